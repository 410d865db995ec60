import HTTPMessages

/// Builds JSON responses, successes and error envelopes alike.
enum ResponseBuilder {
    static let jsonContentType = "application/json; charset=utf-8"

    static func json<Body: Encodable>(status: Int, _ body: Body, headers: [(name: String, value: String)] = []) throws -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", jsonContentType)] + headers, body: try JSONCoding.encode(body))
    }

    static func error(_ error: APIError, correlationID: String) -> ServerResponse {
        let details = error.details
        let envelope = ErrorEnvelope(error: .init(
            status: details.status, code: details.code, message: details.message, errors: details.errors,
            timestamp: Timestamp.now(), correlationID: correlationID
        ))
        // Encoding strings and numbers cannot fail; the fallback keeps that promise without a trap.
        let body = (try? JSONCoding.encode(envelope))
            ?? Array(#"{"error":{"status":500,"code":"INTERNAL_ERROR","message":"Something went wrong on our side.","errors":{}}}"#.utf8)
        return ServerResponse(status: details.status, headers: [("Content-Type", jsonContentType)] + details.headers, body: body)
    }
}
