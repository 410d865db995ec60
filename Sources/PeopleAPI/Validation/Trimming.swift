extension String {
    /// Drops Unicode white space (newlines included) from both ends, as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` does, without bridging to NSString
    /// (which showed up at 4% of a create's CPU in `perf`).
    func trimmingWhitespace() -> String {
        // Most text starts and ends with an ASCII character that is not white space: as is.
        if let first = utf8.first, let last = utf8.last, Self.isASCIINonWhitespace(first), Self.isASCIINonWhitespace(last) {
            return self
        }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    /// ASCII's white space is U+0009–U+000D and U+0020.
    private static func isASCIINonWhitespace(_ byte: UInt8) -> Bool {
        byte < 0x80 && byte != 0x20 && !(0x09...0x0D).contains(byte)
    }
}
