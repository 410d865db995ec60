extension StringProtocol {
    /// Without the spaces and tabs at either end: HTTP's optional white space (RFC 9110 §5.6.3)
    /// around header values and list items, and the blanks around a list's entries in settings.
    public func trimmingSpacesAndTabs() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
