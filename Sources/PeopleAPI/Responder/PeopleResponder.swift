import HTTPMessages
import Logging
import Scoreboard

/// The HTTP face of the application: routes, method, `Accept` and operator checks, the
/// headers every response carries, error envelopes, and one log line per request.
public final class PeopleResponder: RequestHandler {
    private let people: PeopleController
    private let repository: any PersonRepository
    private let operators: OperatorAuthenticator
    private let logger: Logger

    public init(repository: any PersonRepository, tokens: any OperatorTokenStore, logger: Logger) {
        self.repository = repository
        self.people = PeopleController(repository: repository)
        self.operators = OperatorAuthenticator(store: tokens)
        self.logger = logger
    }

    public func handle(_ request: ServerRequest) -> ServerResponse {
        let started = ContinuousClock.now
        Metrics.requestStarted()
        let correlationID = RequestHeaders.correlationID(request)
        var response: ServerResponse
        // The token's name, never the token, goes into the log line.
        var operatorName: String?
        do {
            response = try route(request, operator: &operatorName)
        } catch {
            let apiError = APIError.categorise(error)
            MetricsController.count(apiError)
            if apiError == .internalError || apiError == .serviceUnavailable {
                logger.error("request failed", metadata: ["correlation_id": "\(correlationID)", "error": "\(LogSafe.text(String(describing: error)))"])
            }
            response = ResponseBuilder.error(apiError, correlationID: correlationID)
        }
        addCommonHeaders(to: &response, correlationID: correlationID)
        let elapsed = ContinuousClock.now - started
        Metrics.requestEnded(path: request.path, method: request.method, status: response.status, nanoseconds: MetricsController.nanoseconds(elapsed))
        var metadata: Logger.Metadata = ["duration_ms": "\(Self.milliseconds(elapsed))", "correlation_id": "\(correlationID)"]
        if let operatorName { metadata["operator"] = "\(operatorName)" }
        logger.info("\(LogSafe.text(request.method)) \(LogSafe.text(request.path)) \(response.status)", metadata: metadata)
        return response
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(Double(Int(value * 1000)) / 1000)
    }

    /// Creates and the health check are public; reading and erasing people is for operators.
    private func route(_ request: ServerRequest, operator operatorName: inout String?) throws -> ServerResponse {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        switch Array(segments) {
        case ["api", "people"]:
            try require(request, allowed: ["GET", "POST"])
            if request.method == "POST" { return try people.create(request) }
            operatorName = try operators.authenticate(authorization: request.header("authorization"))
            return try people.list(query: request.query)
        case let parts where parts.count == 3 && parts[0] == "api" && parts[1] == "people" && !parts[2].isEmpty:
            try require(request, allowed: ["GET", "DELETE"])
            // The token before the id: without one, nothing is told about which ids exist.
            operatorName = try operators.authenticate(authorization: request.header("authorization"))
            return request.method == "DELETE" ? try people.erase(id: String(parts[2])) : try people.get(id: String(parts[2]), request)
        case ["api", "metrics"]:
            return try MetricsController.answer(request, operators: operators, operator: &operatorName)
        case ["api", "health"]:
            try require(request, allowed: ["GET"])
            return try health()
        default:
            throw APIError.notFound
        }
    }

    /// Method first, then `Accept`: the first two checks of every endpoint.
    private func require(_ request: ServerRequest, allowed: [String]) throws {
        guard allowed.contains(request.method) else { throw APIError.methodNotAllowed(allow: allowed) }
        guard ContentNegotiation.acceptsJSON(request.header("accept")) else { throw APIError.notAcceptable }
    }

    private func health() throws -> ServerResponse {
        do {
            try repository.checkHealth()
        } catch {
            logger.warning("health check failed", metadata: ["error": "\(LogSafe.text(String(describing: error)))"])
            throw APIError.serviceUnavailable
        }
        return ResponseBuilder.json(status: 200, HealthBody())
    }

    private func addCommonHeaders(to response: inout ServerResponse, correlationID: String) {
        response.headers.append(("X-Request-ID", correlationID))
        response.headers.append(("X-Content-Type-Options", "nosniff"))
        if response.header("Cache-Control") == nil {
            response.headers.append(("Cache-Control", "no-store"))
        }
    }
}

private struct HealthBody: JSONBody {
    func write(to writer: inout JSONWriter) {
        writer.raw(#"{"status":"ok","database":"ok"}"#)
    }
}
