extension UInt8 {
    /// `A-Z`, `a-z` or `0-9`: the core of every ASCII token rule here (email domain labels,
    /// `X-Request-ID`, page cursors), each of which adds its own punctuation.
    var isASCIIAlphanumeric: Bool {
        (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z")) || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z"))
            || (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9"))
    }
}

/// 1–64 of `A-Za-z0-9._-`: text that may be echoed in a header or a log line as it is. The
/// contract's rule for a client's `X-Request-ID`, and the one chosen for operator token names.
func isShortSafeLabel(_ text: String) -> Bool {
    (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
        byte.isASCIIAlphanumeric || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}
