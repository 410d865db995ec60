extension BidirectionalCollection where Element == UInt8 {
    /// Without the spaces and tabs at either end: HTTP's optional white space (RFC 9110 §5.6.3)
    /// around header values and list items, and the blanks around a list's entries in settings.
    /// On bytes, for what every request reads (its media types).
    public func trimmingSpacesAndTabs() -> SubSequence {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}

extension StringProtocol {
    /// The same, as a string (the bytes cut are ASCII, so no character is split).
    public func trimmingSpacesAndTabs() -> String {
        String(Substring(Substring(self).utf8.trimmingSpacesAndTabs()))
    }
}
