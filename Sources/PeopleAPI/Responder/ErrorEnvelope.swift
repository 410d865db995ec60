/// The body of every error response: `{"error": {...}}`.
struct ErrorEnvelope: Encodable {
    struct Body: Encodable {
        let status: Int
        let code: String
        let message: String
        /// Always present, `{}` when no field is at fault, so clients can index it blindly.
        let errors: [String: [String]]
        let timestamp: String
        let correlationID: String

        enum CodingKeys: String, CodingKey {
            case status, code, message, errors, timestamp
            case correlationID = "correlation_id"
        }
    }

    let error: Body
}
