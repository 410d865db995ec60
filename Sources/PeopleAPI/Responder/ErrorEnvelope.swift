/// The body of every error response: `{"error": {...}}`.
struct ErrorEnvelope: JSONBody {
    let status: Int
    let code: String
    let message: String
    /// Always present, `{}` when no field is at fault, so clients can index it blindly.
    let errors: [String: [String]]
    let timestamp: String
    let correlationID: String

    func write(to writer: inout JSONWriter) {
        writer.raw("{\"error\":{\"status\":")
        writer.int(status)
        writer.raw(",\"code\":")
        writer.string(code)
        writer.raw(",\"message\":")
        writer.string(message)
        writer.raw(",\"errors\":")
        writer.fieldMessages(errors)
        writer.raw(",\"timestamp\":")
        writer.string(timestamp)
        writer.raw(",\"correlation_id\":")
        writer.string(correlationID)
        writer.raw("}}")
    }
}
