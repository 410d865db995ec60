/// A parsed JSON value that keeps JSON's own types: `true` is never a number and
/// `"36"` is never an integer.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// Every JSON number, integer or not, as written: a number is judged on its text, never on a rounded double.
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

/// A JSON number's text (RFC 8259's grammar: sign, digits, fraction, exponent).
public struct JSONNumber: Sendable, Equatable, ExpressibleByIntegerLiteral {
    public let text: String

    public init(text: String) { self.text = text }
    public init(integerLiteral value: Int) { self.text = String(value) }
}
