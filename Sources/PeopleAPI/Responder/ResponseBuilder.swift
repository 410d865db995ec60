import HTTPMessages

/// Builds JSON responses, successes and error envelopes alike.
enum ResponseBuilder {
    static let jsonContentType = "application/json; charset=utf-8"

    static func json(status: Int, _ body: some JSONBody, headers: [(name: String, value: String)] = []) -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", jsonContentType)] + headers, body: body.jsonBytes)
    }

    static func error(_ error: APIError, correlationID: String) -> ServerResponse {
        let details = error.details
        let envelope = ErrorEnvelope(
            status: details.status, code: details.code, message: details.message, errors: details.errors,
            timestamp: Timestamp.now(), correlationID: correlationID
        )
        return json(status: details.status, envelope, headers: details.headers)
    }
}
