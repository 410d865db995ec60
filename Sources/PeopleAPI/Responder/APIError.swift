import HTTPMessages

/// Every way a request can fail, in the contract's terms. Layers below the
/// responder throw their own errors; `APIError.categorise` turns them into one of
/// these, and `APIError.details` is the single table of status, code and message.
public enum APIError: Error, Equatable {
    case malformedJSON(String)
    case invalidQuery(String)
    case invalidIdempotencyKey
    /// No valid operator token; `credentialsSent` adds RFC 6750's `error="invalid_token"`.
    case unauthorized(credentialsSent: Bool)
    case notFound
    case methodNotAllowed(allow: [String])
    case notAcceptable
    case emailTaken
    case idempotencyKeyInUse
    case payloadTooLarge
    case unsupportedMediaType
    case validationFailed([Violation])
    case idempotencyKeyReused
    case badRequest(String)
    case serviceUnavailable
    case internalError
    /// A method no RFC the contract names defines.
    case notImplemented

    struct Details {
        let status: Int
        let code: String
        let message: String
        /// The field problems, in the order of the envelope's `errors`.
        var violations: [Violation] = []
        var headers: [(name: String, value: String)] = []

        /// The envelope's `errors`: field → messages.
        var errors: [String: [String]] { ValidationFailure(violations: violations).fieldErrors }
    }

    var details: Details {
        switch self {
        case .malformedJSON(let why):
            return Details(status: 400, code: "MALFORMED_JSON", message: why)
        case .invalidQuery(let why):
            return Details(status: 400, code: "INVALID_QUERY", message: why)
        case .invalidIdempotencyKey:
            return Details(status: 400, code: "INVALID_IDEMPOTENCY_KEY",
                           message: "The Idempotency-Key header must be 1 to 255 visible ASCII characters.")
        case .badRequest(let why):
            return Details(status: 400, code: "BAD_REQUEST", message: why)
        case .unauthorized(let credentialsSent):
            return Details(status: 401, code: "UNAUTHORIZED",
                           message: credentialsSent ? "The operator token is unknown or has been revoked (or is not a bearer token)."
                                                    : "No operator token was sent: send Authorization: Bearer <token>.",
                           headers: [("WWW-Authenticate", #"Bearer realm="people-api""# + (credentialsSent ? #", error="invalid_token""# : ""))])
        case .notFound:
            return Details(status: 404, code: "NOT_FOUND", message: "Nothing was found at this address.")
        case .methodNotAllowed(let allow):
            return Details(status: 405, code: "METHOD_NOT_ALLOWED",
                           message: "This address accepts only \(allow.joined(separator: ", ")).",
                           headers: [("Allow", allow.joined(separator: ", "))])
        case .notAcceptable:
            return Details(status: 406, code: "NOT_ACCEPTABLE",
                           message: "This API answers only with application/json (errors also as application/problem+json).")
        case .emailTaken:
            return Details(status: 409, code: "CONFLICT", message: "A person with this email address already exists.",
                           violations: [Violation(field: "email", .taken)])
        case .idempotencyKeyInUse:
            return Details(status: 409, code: "IDEMPOTENCY_KEY_IN_USE",
                           message: "A request with this Idempotency-Key is still being handled; retry shortly.")
        case .payloadTooLarge:
            return Details(status: 413, code: "PAYLOAD_TOO_LARGE", message: "The request body must be at most \(RequestLimits.bodyKiB) KiB.")
        case .unsupportedMediaType:
            return Details(status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "Send the person as application/json.")
        case .validationFailed(let given):
            // In the order of `errors` (a no-op for a `ValidationFailure`'s): each field begins where its name changes.
            let violations = ValidationFailure(violations: given).violations
            let count = violations.indices.filter { $0 == 0 || violations[$0].field != violations[$0 - 1].field }.count
            return Details(status: 422, code: "VALIDATION_ERROR",
                           message: "The person could not be created: \(count) \(count == 1 ? "field is" : "fields are") invalid.",
                           violations: violations)
        case .idempotencyKeyReused:
            return Details(status: 422, code: "IDEMPOTENCY_KEY_REUSED",
                           message: "This Idempotency-Key was already used with a different request body.")
        case .serviceUnavailable:
            return Details(status: 503, code: "SERVICE_UNAVAILABLE", message: "The service is temporarily unavailable; retry shortly.",
                           headers: [("Retry-After", "1")])
        case .internalError:
            return Details(status: 500, code: "INTERNAL_ERROR", message: "Something went wrong on our side.")
        case .notImplemented:
            return Details(status: 501, code: "NOT_IMPLEMENTED", message: "This method is not one this API implements.")
        }
    }

    /// The one place where errors from every layer are categorised. Anything not
    /// recognised is an internal error (its detail goes to the log only).
    static func categorise(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let failure as OperatorAuthenticationFailure:
            return .unauthorized(credentialsSent: failure == .tokenNotAccepted)
        case let failure as ValidationFailure:
            return .validationFailed(failure.violations)
        case let error as RepositoryError:
            switch error {
            case .emailTaken: return .emailTaken
            case .idempotencyKeyReused: return .idempotencyKeyReused
            case .idempotencyKeyInUse: return .idempotencyKeyInUse
            case .unavailable: return .serviceUnavailable
            }
        case let failure as JSONBodyParser.Failure:
            return .malformedJSON(message(for: failure))
        default:
            return .internalError
        }
    }

    /// Says where a body went wrong: a person debugging a client needs the place, not just the verdict.
    private static func message(for failure: JSONBodyParser.Failure) -> String {
        switch failure {
        case .empty: return "The request body is empty; send a JSON object."
        case .byteOrderMark: return "The request body starts with a byte-order mark; send UTF-8 JSON without one."
        case .invalidUTF8(let byte): return "The request body is not valid UTF-8 at byte \(byte)."
        case .duplicateMember(let name): return "The request body repeats the member \"\(name)\"."
        case .trailingComma(let byte): return "The request body is not valid JSON: trailing comma at byte \(byte)."
        case .invalidJSON(let reason, let byte): return "The request body is not valid JSON: \(reason) at byte \(byte)."
        case .notAnObject: return "The request body must be a JSON object."
        }
    }
}
