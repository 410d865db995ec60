import Foundation
import HTTPMessages
import Logging
import Scoreboard
import Testing
@testable import PeopleAPI

/// `GET /api/metrics` in process: for operators, in the format `Accept` asks for, counting what came before.
@Suite struct MetricsEndpointTests {
    let tokens = OperatorTokenMemoryStore()
    static let operatorToken = "metrics-operator-token"
    let responder: PeopleResponder

    init() throws {
        try tokens.addToken(name: "tests", digest: OperatorToken.digest(Self.operatorToken), createdAt: "2026-11-22T00:00:00.000Z")
        responder = PeopleResponder(repository: PersonMemoryRepository(), tokens: tokens,
                                    logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func metrics(accept: String? = nil, token: Bool = true, method: String = "GET") -> ServerResponse {
        var headers: [String: String] = [:]
        if let accept { headers["accept"] = accept }
        if token { headers["authorization"] = "Bearer \(Self.operatorToken)" }
        return responder.handle(ServerRequest(method: method, path: "/api/metrics", query: "", headers: headers, body: .complete([])))
    }

    @Test func operatorsGetThePrometheusTextFormat() {
        _ = responder.handle(ServerRequest(method: "POST", path: "/api/people", query: "", headers: ["content-type": "application/json"],
                                           body: .complete(Array(#"{"name":"","email":"x"}"#.utf8))))
        let response = metrics()
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(response.header("Cache-Control") == "no-store")
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains(#"people_api_requests_total{route="/api/people",method="POST",status="422"} "#))
        #expect(text.contains("# TYPE people_api_request_duration_seconds histogram"))
    }

    /// Counted under route templates, never the path asked for: no id and no stranger's path becomes a label.
    @Test func routesAreTemplatesNeverPaths() {
        func route(_ path: String) -> MetricsRoute { PeopleResponder.Endpoint(path: path)?.metricsRoute ?? .other }
        #expect(route("/api/people") == .people)
        #expect(route("/api/people/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b") == .person)
        #expect(route("/api/people/a/b") == .other)
        #expect(route("/api/people/") == .other)
        #expect(route("/api/peoplex") == .other)
        #expect(route("/api/health") == .health)
        #expect(route("/api/metrics") == .metrics)
        #expect(route("/etc/passwd") == .other)
        #expect(route("") == .other)
    }

    @Test func withoutATokenItIs401AndTheBodySaysNothing() {
        let response = metrics(token: false)
        #expect(response.status == 401)
        #expect(!String(decoding: response.body, as: UTF8.self).contains("people_api_"))
    }

    @Test func acceptChoosesTheFormat() {
        #expect(metrics(accept: "application/openmetrics-text; version=1.0.0").header("Content-Type")
                == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        #expect(String(decoding: metrics(accept: "application/openmetrics-text").body, as: UTF8.self).hasSuffix("# EOF\n"))
        #expect(metrics(accept: "application/openmetrics-text;q=0, text/plain").header("Content-Type")?.hasPrefix("text/plain") == true)
        for accept in ["text/plain", "text/*", "*/*", "application/json", "application/*;q=0.1"] {
            #expect(metrics(accept: accept).status == 200, "\(accept)")
        }
        for accept in ["application/xml", "text/html", "text/plain;q=0"] {
            #expect(metrics(accept: accept).status == 406, "\(accept)")
        }
    }

    @Test func otherMethodsAre405WithTheContractsAllow() {
        let response = metrics(method: "POST")
        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET, HEAD, OPTIONS")
    }

    @Test func headHasGetsStatusAndNoBody() {
        let response = metrics(method: "HEAD")
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain") == true)
    }
}
