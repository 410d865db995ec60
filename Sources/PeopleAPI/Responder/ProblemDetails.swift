/// RFC 9457 problem details, for a client whose `Accept` asks for them: the same error as the
/// envelope, in `application/problem+json`. nginx's config writes the same shape for its own errors.
struct ProblemDetails: JSONBody {
    static let contentType = "application/problem+json"

    let status: Int
    let code: String
    let message: String
    let violations: [Violation]
    /// The request's path, without its query.
    let instance: String
    let timestamp: String
    let correlationID: String

    /// `/problems/` + the code in lower case with `-` for `_`: a page nginx serves.
    static func type(of code: String) -> String {
        "/problems/" + String(code.lowercased().map { $0 == "_" ? "-" : $0 })
    }

    /// The same for every occurrence of a type (RFC 9457, 3.1.3).
    static func title(of code: String) -> String {
        titles[code] ?? "Error"
    }

    private static let titles: [String: String] = [
        "MALFORMED_JSON": "Malformed JSON", "INVALID_QUERY": "Invalid query",
        "INVALID_IDEMPOTENCY_KEY": "Invalid Idempotency-Key", "BAD_REQUEST": "Bad request",
        "UNAUTHORIZED": "Unauthorized", "NOT_FOUND": "Not found", "METHOD_NOT_ALLOWED": "Method not allowed",
        "NOT_ACCEPTABLE": "Not acceptable", "CONFLICT": "Conflict", "IDEMPOTENCY_KEY_IN_USE": "Idempotency-Key in use",
        "PAYLOAD_TOO_LARGE": "Payload too large", "UNSUPPORTED_MEDIA_TYPE": "Unsupported media type",
        "VALIDATION_ERROR": "Validation error", "IDEMPOTENCY_KEY_REUSED": "Idempotency-Key reused",
        "RATE_LIMITED": "Rate limited", "REQUEST_TIMEOUT": "Request timeout", "URI_TOO_LONG": "URI too long",
        "INTERNAL_ERROR": "Internal error", "NOT_IMPLEMENTED": "Not implemented",
        "HTTP_VERSION_NOT_SUPPORTED": "HTTP version not supported", "BAD_GATEWAY": "Bad gateway",
        "SERVICE_UNAVAILABLE": "Service unavailable", "GATEWAY_TIMEOUT": "Gateway timeout",
    ]

    func write(to writer: inout JSONWriter) {
        writer.raw("{\"type\":")
        writer.string(Self.type(of: code))
        writer.raw(",\"title\":")
        writer.string(Self.title(of: code))
        writer.raw(",\"status\":")
        writer.int(status)
        writer.raw(",\"detail\":")
        writer.string(message)
        writer.raw(",\"instance\":")
        writer.string(instance)
        writer.raw(",\"code\":")
        writer.string(code)
        writer.raw(",\"errors\":")
        writer.fieldProblems(violations, place: "pointer", { Self.pointer(to: $0.field) }, text: "detail")
        writer.raw(",\"timestamp\":")
        writer.string(timestamp)
        writer.raw(",\"correlation_id\":")
        writer.string(correlationID)
        writer.raw("}")
    }

    /// A JSON Pointer (RFC 6901) in URI fragment form: `~` and `/` escaped, then every
    /// character outside RFC 3986's fragment set percent-encoded as UTF-8.
    static func pointer(to field: String) -> String {
        var pointer = "#/"
        for byte in field.replacingTilde().utf8 {
            if isFragmentSafe(byte) {
                pointer.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                pointer += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0x0F, radix: 16, uppercase: true)
            }
        }
        return pointer
    }

    private static func isFragmentSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-._~!$&'()*+,;=:@/?".utf8.contains(byte)
        }
    }
}

private extension String {
    /// RFC 6901: `~` → `~0`, `/` → `~1`.
    func replacingTilde() -> String {
        guard utf8.contains(UInt8(ascii: "~")) || utf8.contains(UInt8(ascii: "/")) else { return self }
        var escaped = ""
        for character in unicodeScalars {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
