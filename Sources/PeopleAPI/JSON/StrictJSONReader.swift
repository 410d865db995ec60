/// RFC 8259, read in Swift: the fallback for the rare bodies jansson refuses although RFC 8259
/// allows them (a `\u0000` in a member name; a number beyond a double or a 64-bit integer,
/// such as `1e400`), and for a body whose top-level `age` is written with a fraction or an
/// exponent, whose text jansson does not keep. Every number keeps its text.
///
/// As strict as the jansson path: UTF-8 only, no byte-order mark, no trailing commas,
/// comments, single quotes, `NaN`, leading zeros or `+`, no raw control characters in
/// strings, no lone surrogates, nothing after the value but white space, nesting up to
/// 2048 levels, and no member name twice in one object (compared as Swift compares strings).
struct StrictJSONReader {
    let bytes: [UInt8]
    var offset = 0
    private var depth = 0
    static let maxDepth = 2048

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func read(_ body: [UInt8]) -> Result<JSONValue, JSONBodyParser.Failure> {
        if let invalid = firstInvalidUTF8(body) { return .failure(.invalidUTF8(byte: invalid + 1)) }
        var reader = StrictJSONReader(body)
        do throws(JSONBodyParser.Failure) {
            reader.skipWhitespace()
            let value = try reader.value()
            reader.skipWhitespace()
            guard reader.offset == body.count else { throw reader.invalid("end of file expected") }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    /// The 0-based offset of the first byte that does not start or continue valid UTF-8.
    private static func firstInvalidUTF8(_ body: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = body.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    func invalid(_ reason: String) -> JSONBodyParser.Failure {
        .invalidJSON(reason: reason, byte: max(1, min(offset + 1, bytes.count)))
    }

    var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { offset += 1 }
    }

    private mutating func expect(_ literal: StaticString, _ value: JSONValue) throws(JSONBodyParser.Failure) -> JSONValue {
        let count = literal.utf8CodeUnitCount
        guard offset + count <= bytes.count else { throw invalid("invalid token") }
        let matches = literal.withUTF8Buffer { Array($0) == Array(bytes[offset..<offset + count]) }
        guard matches else { throw invalid("invalid token") }
        offset += count
        return value
    }

    private mutating func value() throws(JSONBodyParser.Failure) -> JSONValue {
        switch current {
        case UInt8(ascii: "{")?: return try object()
        case UInt8(ascii: "[")?: return try array()
        case UInt8(ascii: "\"")?: return .string(try string())
        case UInt8(ascii: "t")?: return try expect("true", .bool(true))
        case UInt8(ascii: "f")?: return try expect("false", .bool(false))
        case UInt8(ascii: "n")?: return try expect("null", .null)
        case let byte? where byte == UInt8(ascii: "-") || (byte >= 0x30 && byte <= 0x39): return .number(try number())
        case nil: throw invalid("unexpected end of input")
        default: throw invalid("invalid token")
        }
    }

    private mutating func enter() throws(JSONBodyParser.Failure) {
        depth += 1
        if depth > Self.maxDepth { throw invalid("maximum parsing depth reached") }
    }

    private mutating func object() throws(JSONBodyParser.Failure) -> JSONValue {
        try enter()
        offset += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            offset += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else {
                if current == UInt8(ascii: "}") { throw .trailingComma(byte: lastComma() + 1) }
                throw invalid("string or '}' expected")
            }
            let name = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw invalid("':' expected") }
            offset += 1
            skipWhitespace()
            let member = try value()
            if members.updateValue(member, forKey: name) != nil { throw .duplicateMember(name) }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ",")?: offset += 1
            case UInt8(ascii: "}")?:
                offset += 1
                depth -= 1
                return .object(members)
            default: throw invalid("',' or '}' expected")
            }
        }
    }

    private mutating func array() throws(JSONBodyParser.Failure) -> JSONValue {
        try enter()
        offset += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            offset += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            if current == UInt8(ascii: "]") { throw .trailingComma(byte: lastComma() + 1) }
            elements.append(try value())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ",")?: offset += 1
            case UInt8(ascii: "]")?:
                offset += 1
                depth -= 1
                return .array(elements)
            default: throw invalid("',' or ']' expected")
            }
        }
    }

    /// The 0-based offset of the comma before the current byte.
    private func lastComma() -> Int {
        bytes[..<offset].lastIndex { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) } ?? 0
    }

    private mutating func number() throws(JSONBodyParser.Failure) -> JSONNumber {
        let start = offset
        if current == UInt8(ascii: "-") { offset += 1 }
        guard let first = current, isDigit(first) else { throw invalid("invalid token") }
        offset += 1
        if first == UInt8(ascii: "0"), let next = current, isDigit(next) { throw invalid("invalid token") }
        skipDigits()
        if current == UInt8(ascii: ".") {
            offset += 1
            guard let digit = current, isDigit(digit) else { throw invalid("invalid token") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            offset += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
            guard let digit = current, isDigit(digit) else { throw invalid("invalid token") }
            skipDigits()
        }
        return JSONNumber(text: String(decoding: bytes[start..<offset], as: UTF8.self))
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { offset += 1 }
    }
}
