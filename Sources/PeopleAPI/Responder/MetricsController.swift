import HTTPMessages
import Scoreboard

/// `GET /api/metrics`: the host's scoreboard summed (every responder process, live or dead), for
/// operators, in Prometheus's text format or OpenMetrics when `Accept` asks for it. Also the
/// application's few counting hooks that are not a line of their own elsewhere.
enum MetricsController {
    static func answer(_ request: ServerRequest, operators: OperatorAuthenticator, operator operatorName: inout String?) throws -> ServerResponse {
        let accept = request.header("accept")
        guard let format = format(for: accept) else { throw APIError.notAcceptable }
        operatorName = try operators.authenticate(authorization: request.header("authorization"))
        let text = Exposition.render(Snapshot(of: Metrics.board), buildInfo: Metrics.buildInfo, format: format)
        return ServerResponse(status: 200, headers: [("Content-Type", format.contentType)], body: Array(text.utf8))
    }

    /// OpenMetrics when a range names it with q > 0 (Prometheus asks for it first); otherwise the
    /// 0.0.4 text format, for `text/plain`, the JSON ranges every endpoint admits, or no `Accept`.
    static func format(for accept: String?) -> Exposition.Format? {
        guard let accept, !accept.allSatisfy({ $0 == " " || $0 == "\t" }) else { return .prometheus }
        var admitsText = false
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingSpacesAndTabs().lowercased() }
            guard let type = parts.first else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            guard quality > 0 else { continue }
            if type == "application/openmetrics-text" { return .openMetrics }
            if ["text/plain", "text/*", "application/json", "application/problem+json", "application/*", "*/*"].contains(type) {
                admitsText = true
            }
        }
        return admitsText ? .prometheus : nil
    }

    /// The refusals the contract asks to count, by what they were.
    static func count(_ error: APIError) {
        switch error {
        case .serviceUnavailable: Metrics.storeUnavailable()
        case .idempotencyKeyInUse: Metrics.idempotencyKeyInFlight()
        case .idempotencyKeyReused: Metrics.idempotencyKeyReused()
        default: break
        }
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
