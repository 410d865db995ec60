/// Decides whether a JSON number, as written, is a whole number within a range: exactly,
/// from its sign, digits, fraction and exponent, never through a double (which would make
/// `36.0000000000000000001` 36 and `1e-400` 0). `36.0`, `3.6e1` and `360e-1` are 36.
enum WholeNumber {
    enum Verdict: Equatable {
        case whole(Int)
        case notWhole
        case outOfRange
    }

    /// `text` is an RFC 8259 number (the parser has checked its grammar); anything else is not whole.
    static func value(of text: String, within range: ClosedRange<Int>) -> Verdict {
        var bytes = Substring(text).utf8[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        let mantissaEnd = bytes.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? bytes.endIndex
        let mantissa = bytes[..<mantissaEnd]
        let point = mantissa.firstIndex(of: UInt8(ascii: "."))
        let integerPart = mantissa[..<(point ?? mantissa.endIndex)]
        let fractionPart = point.map { mantissa[mantissa.index(after: $0)...] } ?? mantissa[mantissa.endIndex...]
        guard !integerPart.isEmpty, isDigits(integerPart), isDigits(fractionPart) else { return .notWhole }

        // The exponent, saturated: beyond ±100 000 the verdict no longer depends on its size
        // (a body holds at most 64 KiB of digits).
        var exponent = 0
        if mantissaEnd != bytes.endIndex {
            var digits = bytes[bytes.index(after: mantissaEnd)...]
            var exponentNegative = false
            if let sign = digits.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
                exponentNegative = sign == UInt8(ascii: "-")
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, isDigits(digits) else { return .notWhole }
            for digit in digits { exponent = min(exponent * 10 + Int(digit - 48), 100_000) }
            if exponentNegative { exponent = -exponent }
        }

        // The significant digits, and the power of ten of the last one.
        var significant = Array(integerPart) + Array(fractionPart)
        var scale = exponent - fractionPart.count
        while let first = significant.first, first == UInt8(ascii: "0") { significant.removeFirst() }
        if significant.isEmpty { return range.contains(0) ? .whole(0) : .outOfRange }  // 0, -0.0, 0e999
        while let last = significant.last, last == UInt8(ascii: "0") {
            significant.removeLast()
            scale += 1
        }
        if scale < 0 { return .notWhole }
        if negative && range.lowerBound >= 0 { return .outOfRange }
        // A value with more than 18 digits is beyond any Int range this is asked about.
        guard significant.count + scale <= 18 else { return .outOfRange }
        var value = 0
        for digit in significant { value = value * 10 + Int(digit - 48) }
        for _ in 0..<scale { value *= 10 }
        if negative { value = -value }
        return range.contains(value) ? .whole(value) : .outOfRange
    }

    private static func isDigits(_ bytes: Substring.UTF8View.SubSequence) -> Bool {
        bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
