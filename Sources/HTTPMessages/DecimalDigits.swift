/// A number written as ASCII digits and nothing else, as CGI's `CONTENT_LENGTH` and the API's
/// query numbers must be: `Int(_:)` alone would also take a sign (`+5`, `-0`). nil for anything
/// else, or for more than `maxDigits` digits (so that no value overflows).
public enum DecimalDigits {
    public static func value(_ text: some StringProtocol, maxDigits: Int) -> Int? {
        guard !text.isEmpty, text.utf8.count <= maxDigits,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)
    }
}
