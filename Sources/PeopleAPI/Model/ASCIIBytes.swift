extension UInt8 {
    /// `A-Z`, `a-z` or `0-9`: the core of every ASCII token rule here (email domain labels,
    /// `X-Request-ID`, page cursors), each of which adds its own punctuation.
    var isASCIIAlphanumeric: Bool {
        (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z")) || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z"))
            || (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9"))
    }
}
