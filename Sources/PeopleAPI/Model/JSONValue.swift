import Foundation

/// A parsed JSON value that keeps JSON's own types: `true` is never a number and
/// `"36"` is never an integer, which `JSONSerialization` on Linux blurs.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    /// Valid JSON, but too large for a Double (`1e400`): still a number, never a valid age.
    case unrepresentableNumber
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue: Decodable {
    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        // Tried in the order values are most common in a submission: every failed
        // attempt costs a thrown error inside the decoder.
        let scalar = try decoder.singleValueContainer()
        if let text = try? scalar.decode(String.self) {
            self = .string(text)
        } else if let number = try? scalar.decode(Double.self) {
            self = .number(number)
        } else if scalar.decodeNil() {
            self = .null
        } else if let flag = try? scalar.decode(Bool.self) {
            self = .bool(flag)
        } else if let object = try? decoder.container(keyedBy: AnyKey.self) {
            var members: [String: JSONValue] = [:]
            for key in object.allKeys {
                members[key.stringValue] = try object.decode(JSONValue.self, forKey: key)
            }
            self = .object(members)
        } else if var array = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !array.isAtEnd { elements.append(try array.decode(JSONValue.self)) }
            self = .array(elements)
        } else {
            // The document already passed the syntax check, so what is left is a
            // number that does not fit a Double.
            self = .unrepresentableNumber
        }
    }
}

/// Turns a request body into a JSON object, or says why it is not one.
public enum JSONBodyParser {
    public enum Failure: Error, Equatable {
        case empty
        case invalidUTF8
        case invalidJSON
        case notAnObject
    }

    public static func parseObject(_ body: [UInt8]) -> Result<[String: JSONValue], Failure> {
        guard !body.isEmpty else { return .failure(.empty) }
        guard String(validating: body, as: UTF8.self) != nil else { return .failure(.invalidUTF8) }
        // Foundation's scanner lets a raw control character inside a string through
        // to the decoding step; JSON (RFC 8259) forbids it, so refuse it here.
        guard !containsRawControlCharacterInString(body) else { return .failure(.invalidJSON) }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            return .failure(.invalidJSON)
        }
        guard case .object(let members) = value else { return .failure(.notAnObject) }
        return .success(members)
    }

    private static func containsRawControlCharacterInString(_ body: [UInt8]) -> Bool {
        var inString = false
        var escaped = false
        for byte in body {
            if inString {
                if byte < 0x20 { return true }
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            }
        }
        return false
    }
}
