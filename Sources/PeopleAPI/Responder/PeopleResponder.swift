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
        let endpoint = Endpoint(path: request.path)
        do {
            response = try route(request, to: endpoint, operator: &operatorName)
        } catch {
            let apiError = APIError.categorise(error)
            MetricsController.count(apiError)
            if apiError == .internalError || apiError == .serviceUnavailable {
                logger.error("request failed", metadata: ["correlation_id": "\(correlationID)", "error": "\(LogSafe.text(String(describing: error)))"])
            }
            response = ResponseBuilder.error(apiError, correlationID: correlationID,
                                             format: ContentNegotiation.errorFormat(request.header("accept")), instance: request.path)
        }
        addCommonHeaders(to: &response, correlationID: correlationID)
        // HEAD: the status and headers GET would have, and no body (nginx would drop it anyway).
        if request.method == "HEAD" { response.body = [] }
        let elapsed = ContinuousClock.now - started
        Metrics.requestEnded(route: endpoint?.metricsRoute ?? .other, method: request.method, status: response.status, nanoseconds: MetricsController.nanoseconds(elapsed))
        var metadata: Logger.Metadata = ["duration_ms": "\(Self.milliseconds(elapsed))", "correlation_id": "\(correlationID)"]
        if let operatorName { metadata["operator"] = "\(operatorName)" }
        logger.info("\(LogSafe.text(request.method)) \(LogSafe.text(request.path)) \(response.status)", metadata: metadata)
        return response
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(Double(Int(value * 1000)) / 1000)
    }

    /// The methods RFC 9110 and RFC 5789 define: any other is 501, on any path, before anything else.
    static let definedMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

    /// The API's addresses and the methods each allows (its `Allow` header).
    enum Endpoint: Equatable {
        case people, person(String), health, metrics

        /// Compared on bytes: splitting the path into an array of strings cost 2% of a request's CPU.
        init?(path: String) {
            var rest = path.utf8[...]
            guard rest.starts(with: "/api/".utf8) else { return nil }
            rest = rest.dropFirst(5)
            if rest.elementsEqual("people".utf8) {
                self = .people
            } else if rest.elementsEqual("health".utf8) {
                self = .health
            } else if rest.elementsEqual("metrics".utf8) {
                self = .metrics
            } else if rest.starts(with: "people/".utf8) {
                let id = rest.dropFirst(7)
                guard !id.isEmpty, !id.contains(UInt8(ascii: "/")) else { return nil }
                self = .person(String(Substring(id)))
            } else {
                return nil
            }
        }

        var metricsRoute: MetricsRoute {
            switch self {
            case .people: .people
            case .person: .person
            case .health: .health
            case .metrics: .metrics
            }
        }

        var allow: [String] {
            switch self {
            case .people: return ["GET", "HEAD", "POST", "OPTIONS"]
            case .person: return ["GET", "HEAD", "DELETE", "OPTIONS"]
            case .health, .metrics: return ["GET", "HEAD", "OPTIONS"]
            }
        }
    }

    /// Method (501, then 404, `OPTIONS`, 405) → `Accept` → the endpoint's own checks. Creates and
    /// the health check are public; reading and erasing people is for operators.
    private func route(_ request: ServerRequest, to endpoint: Endpoint?, operator operatorName: inout String?) throws -> ServerResponse {
        guard Self.definedMethods.contains(request.method) else { throw APIError.notImplemented }
        guard let endpoint else { throw APIError.notFound }
        let allow = endpoint.allow
        // For anyone, whatever its Accept or Authorization, and no Access-Control-Allow-*: a cross-origin preflight still fails.
        if request.method == "OPTIONS" { return ServerResponse(status: 204, headers: [("Allow", allow.joined(separator: ", "))]) }
        guard allow.contains(request.method) else { throw APIError.methodNotAllowed(allow: allow) }
        // The metrics admit their own media types (text/plain, OpenMetrics) beside JSON's, and check them themselves.
        if endpoint != .metrics, !ContentNegotiation.acceptsJSON(request.header("accept")) { throw APIError.notAcceptable }
        let method = request.method == "HEAD" ? "GET" : request.method
        switch endpoint {
        case .people:
            if method == "POST" { return try people.create(request) }
            operatorName = try operators.authenticate(authorization: request.header("authorization"))
            return try people.list(query: request.query)
        case .person(let id):
            // The token before the id: without one, nothing is told about which ids exist.
            operatorName = try operators.authenticate(authorization: request.header("authorization"))
            return method == "DELETE" ? try people.erase(id: id) : try people.get(id: id, request)
        case .health:
            return try health()
        case .metrics:
            return try MetricsController.answer(request, operators: operators, operator: &operatorName)
        }
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
