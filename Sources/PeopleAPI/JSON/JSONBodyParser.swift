import CJansson

/// Turns a request body into a JSON object, or says precisely why it is not one.
///
/// The grammar is exactly RFC 8259's, read by jansson (strict by design: no trailing
/// commas, comments, single quotes, `NaN`, leading zeros or `+`, raw control characters,
/// bad escapes or lone surrogates, bytes that are not UTF-8, nothing after the value but
/// white space; nesting stops at 2048 levels). A member name that appears twice in one
/// object is refused (I-JSON, RFC 7493 §2.3), so no two readers of a body can disagree
/// about which value was meant.
public enum JSONBodyParser {
    public enum Failure: Error, Equatable {
        case empty
        case byteOrderMark
        /// `byte` counts from 1, as a person reading the body in an editor would.
        case invalidUTF8(byte: Int)
        case duplicateMember(String)
        case trailingComma(byte: Int)
        case invalidJSON(reason: String, byte: Int)
        case notAnObject
    }

    /// `\u0000` inside a string is valid JSON; the validator refuses it where it matters.
    /// Integers stay integers (exact up to 64 bits); a number jansson cannot hold goes to the fallback.
    private static let flags = JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL

    public static func parseObject(_ body: [UInt8]) -> Result<[String: JSONValue], Failure> {
        guard !body.isEmpty else { return .failure(.empty) }
        // jansson would report the byte-order mark as an invalid token; say what it is.
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { return .failure(.byteOrderMark) }
        // A raw NUL is valid nowhere in JSON text (in a string it must be written `\u0000`), but
        // jansson read `{"email":7<NUL>}` as an object (found by the fuzzer): refused before it looks.
        if let nul = body.firstIndex(of: 0) { return .failure(.invalidJSON(reason: "a NUL byte", byte: nul + 1)) }
        var error = json_error_t()
        guard let root = body.withUnsafeBytes({ load($0, flags: flags, error: &error) }) else {
            // What jansson refuses although RFC 8259 allows it (measured: these two codes only).
            let code = people_api_json_error_code(&error)
            if code == Int32(json_error_null_byte_in_key.rawValue) || code == Int32(json_error_numeric_overflow.rawValue) {
                return readInSwift(body)
            }
            return .failure(failure(from: &error, body: body))
        }
        defer { json_decref(root) }
        guard root.pointee.type == JSON_OBJECT else { return .failure(.notAnObject) }
        // jansson keeps a real's double, not its text; the age is judged on its text.
        if let age = json_object_get(root, "age"), age.pointee.type == JSON_REAL { return readInSwift(body) }
        do {
            guard case .object(let members) = try value(of: root) else { return .failure(.notAnObject) }
            return .success(members)
        } catch {
            return .failure(error)
        }
    }

    /// The fallback, for the rare body the jansson path cannot give exactly (`StrictJSONReader`);
    /// public so that the fuzzer can hold the two readers to the same verdicts.
    public static func readInSwift(_ body: [UInt8]) -> Result<[String: JSONValue], Failure> {
        switch StrictJSONReader.read(body) {
        case .success(.object(let members)): return .success(members)
        case .success: return .failure(.notAnObject)
        case .failure(let failure): return .failure(failure)
        }
    }

    /// jansson reads the caller's bytes where they are: no copy of the body.
    private static func load(_ buffer: UnsafeRawBufferPointer, flags: Int32, error: inout json_error_t) -> UnsafeMutablePointer<json_t>? {
        json_loadb(buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count, Int(flags), &error)
    }

    /// Converts jansson's tree; jansson's nesting limit bounds the recursion. Two names that
    /// differ in bytes but that Swift's `String` compares equal (`é` precomposed and
    /// decomposed) would silently become one member: they are refused as a repeat too.
    private static func value(of json: UnsafeMutablePointer<json_t>) throws(Failure) -> JSONValue {
        switch json.pointee.type {
        case JSON_OBJECT:
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(json_object_size(json))
            var iterator = json_object_iter(json)
            while let current = iterator {
                let name = text(json_object_iter_key(current), count: json_object_iter_key_len(current))
                if let member = json_object_iter_value(current), members.updateValue(try value(of: member), forKey: name) != nil {
                    throw .duplicateMember(name)
                }
                iterator = json_object_iter_next(json, current)
            }
            return .object(members)
        case JSON_ARRAY:
            var elements: [JSONValue] = []
            elements.reserveCapacity(json_array_size(json))
            for index in 0..<json_array_size(json) {
                if let element = json_array_get(json, index) { elements.append(try value(of: element)) }
            }
            return .array(elements)
        case JSON_STRING:
            return .string(text(json_string_value(json), count: json_string_length(json)))
        case JSON_REAL:
            // Only the top-level age is judged on its text, and it never takes this path.
            return .number(JSONNumber(text: "\(json_real_value(json))"))
        case JSON_INTEGER:
            return .number(JSONNumber(text: String(json_integer_value(json))))
        case JSON_TRUE:
            return .bool(true)
        case JSON_FALSE:
            return .bool(false)
        default:
            return .null
        }
    }

    /// jansson hands out only valid UTF-8.
    private static func text(_ pointer: UnsafePointer<CChar>?, count: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    private static func failure(from error: inout json_error_t, body: [UInt8]) -> Failure {
        let position = Int(error.position)
        let code = people_api_json_error_code(&error)
        // jansson stops before the byte it cannot decode (a 0-based offset); people count from 1.
        if code == Int32(json_error_invalid_utf8.rawValue) { return .invalidUTF8(byte: position + 1) }
        if code == Int32(json_error_duplicate_key.rawValue) { return .duplicateMember(memberName(endingAt: position, in: body) ?? "") }
        // The byte jansson stopped at, and the last one before it that is not white space.
        let offending = position - 1
        if offending >= 0, offending < body.count, body[offending] == UInt8(ascii: "}") || body[offending] == UInt8(ascii: "]"),
           let comma = body[..<offending].lastIndex(where: { !isWhitespace($0) }), body[comma] == UInt8(ascii: ",") {
            return .trailingComma(byte: comma + 1)
        }
        return .invalidJSON(reason: reason(error), byte: max(position, 1))
    }

    /// jansson's message without its "near '…'" quote of the body.
    private static func reason(_ error: json_error_t) -> String {
        let message = withUnsafeBytes(of: error.text) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        guard let near = message.range(of: " near ") else { return message }
        return String(message[..<near.lowerBound])
    }

    /// jansson reports a repeated name just after its closing quote: walk back to the
    /// opening quote (one not escaped by an odd run of backslashes) and decode the name.
    private static func memberName(endingAt position: Int, in body: [UInt8]) -> String? {
        let close = position - 1
        guard close > 0, close < body.count, body[close] == UInt8(ascii: "\"") else { return nil }
        var index = close - 1
        while index >= 0 {
            if body[index] == UInt8(ascii: "\"") {
                var backslashes = 0
                while index - backslashes - 1 >= 0 && body[index - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
                if backslashes % 2 == 0 { break }
            }
            index -= 1
        }
        guard index >= 0 else { return nil }
        var error = json_error_t()
        guard let name = body[index...close].withUnsafeBytes({ load($0, flags: JSON_DECODE_ANY | JSON_ALLOW_NUL, error: &error) })
        else { return nil }
        defer { json_decref(name) }
        return name.pointee.type == JSON_STRING ? text(json_string_value(name), count: json_string_length(name)) : nil
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
