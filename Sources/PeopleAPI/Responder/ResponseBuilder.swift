import HTTPMessages

/// Builds JSON responses, successes and errors alike (the envelope, or problem details on request).
enum ResponseBuilder {
    static let jsonContentType = "application/json; charset=utf-8"

    static func json(status: Int, _ body: some JSONBody, headers: [(name: String, value: String)] = []) -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", jsonContentType)] + headers, body: body.jsonBytes)
    }

    static func error(_ error: APIError, correlationID: String, format: ContentNegotiation.ErrorFormat = .envelope,
                      instance: String = "") -> ServerResponse {
        let details = error.details
        let timestamp = Timestamp.now()
        switch format {
        case .envelope:
            let envelope = ErrorEnvelope(status: details.status, code: details.code, message: details.message,
                                         violations: details.violations, timestamp: timestamp, correlationID: correlationID)
            return json(status: details.status, envelope, headers: details.headers)
        case .problem:
            let problem = ProblemDetails(status: details.status, code: details.code, message: details.message,
                                         violations: details.violations, instance: instance, timestamp: timestamp,
                                         correlationID: correlationID)
            return ServerResponse(status: details.status, headers: [("Content-Type", ProblemDetails.contentType)] + details.headers,
                                  body: problem.jsonBytes)
        }
    }
}
