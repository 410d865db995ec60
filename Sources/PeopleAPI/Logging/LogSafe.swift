/// Escapes control characters so that a request can never forge a log line.
enum LogSafe {
    static func text(_ value: String) -> String {
        // Every request's method and path pass here: look at bytes first, and at Unicode
        // properties only in the rare text that has a control character at all.
        guard hasControlCharacter(value.utf8) else { return value }
        return value.unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }.joined()
    }

    /// Unicode's control characters (general category Cc) are U+0000–U+001F and U+007F–U+009F:
    /// in UTF-8, one byte below 0x20 or 0x7F, or 0xC2 followed by 0x80–0x9F.
    private static func hasControlCharacter(_ utf8: String.UTF8View) -> Bool {
        var afterC2 = false
        for byte in utf8 {
            if byte < 0x20 || byte == 0x7F || (afterC2 && byte <= 0x9F) { return true }
            afterC2 = byte == 0xC2
        }
        return false
    }
}
