/// Writes response bodies as JSON bytes directly.
///
/// Foundation's `JSONEncoder` cost about 14% of the responder's CPU per request in
/// `perf` (boxing through `Encodable` containers); the bodies here are a few known
/// shapes, so a writer that only has to escape strings correctly is enough.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(512) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Runs of bytes that need no escape are copied whole: byte by byte, a create's strings cost
    /// it 3% of its CPU.
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var run = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<index]))
                escape(byte)
                run = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case UInt8(ascii: "\n"): raw("\\n")
        case UInt8(ascii: "\r"): raw("\\r")
        case UInt8(ascii: "\t"): raw("\\t")
        default:
            raw("\\u00")
            bytes.append(Hex.digits[Int(byte >> 4)])
            bytes.append(Hex.digits[Int(byte & 0x0F)])
        }
    }

    mutating func int(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func optionalInt(_ value: Int?) {
        if let value { int(value) } else { raw("null") }
    }

    mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }
}

/// A response body that writes itself as JSON.
protocol JSONBody {
    func write(to writer: inout JSONWriter)
}

extension JSONBody {
    var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.bytes
    }
}

extension Person: JSONBody {
    func write(to writer: inout JSONWriter) {
        writer.raw("{\"id\":")
        writer.string(id)
        writer.raw(",\"name\":")
        writer.string(name)
        writer.raw(",\"email\":")
        writer.string(email)
        writer.raw(",\"age\":")
        writer.optionalInt(age)  // `null`, not a missing key, when the client sent no age
        writer.raw(",\"created_at\":")
        writer.string(createdAt)
        writer.raw("}")
    }
}
