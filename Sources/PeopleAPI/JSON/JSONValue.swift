/// A parsed JSON value that keeps JSON's own types: `true` is never a number and
/// `"36"` is never an integer.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// Every JSON number, integer or not: `36.0` and `36` are the same value, as RFC 8259 has it.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}
