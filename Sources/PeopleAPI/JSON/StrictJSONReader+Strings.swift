/// Strings, with their escapes: the part of `StrictJSONReader` that reads between quotes.
extension StrictJSONReader {
    /// A string's contents; the body is valid UTF-8 already, so only escapes and control characters are checked.
    mutating func string() throws(JSONBodyParser.Failure) -> String {
        offset += 1
        var scalars = String.UnicodeScalarView()
        var runStart = offset
        func flush(_ end: Int) { scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars) }
        while true {
            guard let byte = current else { throw invalid("premature end of input") }
            switch byte {
            case UInt8(ascii: "\""):
                flush(offset)
                offset += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(offset)
                offset += 1
                scalars.append(try escape())
                runStart = offset
            case 0..<0x20:
                throw invalid("control character in string")
            default:
                offset += 1
            }
        }
    }

    private mutating func escape() throws(JSONBodyParser.Failure) -> Unicode.Scalar {
        guard let byte = current else { throw invalid("premature end of input") }
        offset += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{8}"
        case UInt8(ascii: "f"): return "\u{C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hex4()
            if (0xD800...0xDBFF).contains(unit) {
                guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                    throw invalid("invalid Unicode '\\u' escape: lone surrogate")
                }
                offset += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw invalid("invalid Unicode '\\u' escape: lone surrogate") }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(unit) else { throw invalid("invalid Unicode '\\u' escape: lone surrogate") }
            return scalar
        default:
            throw invalid("invalid escape")
        }
    }

    private mutating func hex4() throws(JSONBodyParser.Failure) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw invalid("invalid escape") }
        var value: UInt32 = 0
        for byte in bytes[offset..<offset + 4] {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw invalid("invalid escape")
            }
            value = value << 4 | UInt32(digit)
        }
        offset += 4
        return value
    }
}
