/// The contract's email shape: one `@`, a non-empty local part, a dotted domain of
/// letter-digit-hyphen labels, no whitespace. Returns the address with its domain
/// lower-cased (the local part stays as sent), or nil.
enum EmailAddress {
    static func normalise(_ address: String) -> String? {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty, !hasWhitespaceOrControl(local) else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy(isValidLabel) else { return nil }
        return "\(local)@\(domain.lowercased())"
    }

    /// ASCII text is checked by its bytes: its white space (U+0009–U+000D, U+0020) and control
    /// characters are all at most 0x20, or 0x7F. Unicode properties only for the rest (they
    /// were a tenth of a create's validation in `perf`).
    private static func hasWhitespaceOrControl(_ text: Substring) -> Bool {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.utf8.contains { $0 <= 0x20 || $0 == 0x7F } }
        return text.unicodeScalars.contains { $0.properties.isWhitespace || $0.properties.generalCategory == .control }
    }

    private static func isValidLabel(_ label: Substring) -> Bool {
        let bytes = label.utf8
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") }
    }
}
