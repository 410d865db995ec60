import Foundation
import HTTPMessages
import Logging
import Testing
@testable import PeopleAPI

/// HEAD, OPTIONS, 501, `violations` and problem details, in process over the memory store.
@Suite struct HTTPMethodsAndProblemTests {
    let repository = PersonMemoryRepository()
    let tokens = OperatorTokenMemoryStore()
    var responder: PeopleResponder {
        PeopleResponder(repository: repository, tokens: tokens, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    init() throws {
        try tokens.addToken(name: "tests", digest: OperatorToken.digest("t0ken"), createdAt: "2026-11-22T00:00:00.000Z")
    }

    private func send(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) -> ServerResponse {
        var all = headers
        if body != nil { all["content-type"] = "application/json" }
        return responder.handle(ServerRequest(method: method, path: path, query: "", headers: all, body: .complete(Array((body ?? "").utf8))))
    }

    private func json(_ response: ServerResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    @Test func headHasTheStatusAndHeadersOfGetAndNoBody() {
        let created = json(send("POST", "/api/people", body: #"{"name":"Ada","email":"head@example.com"}"#))
        let path = "/api/people/\(created["id"] as? String ?? "")"
        let auth = ["authorization": "Bearer t0ken"]
        let get = send("GET", path, headers: auth), head = send("HEAD", path, headers: auth)
        #expect(get.status == 200 && head.status == 200)
        #expect(head.body.isEmpty && !get.body.isEmpty)
        #expect(head.header("ETag") == get.header("ETag") && head.header("Content-Type") == get.header("Content-Type"))
        #expect(send("HEAD", path, headers: auth.merging(["if-none-match": get.header("ETag") ?? ""]) { $1 }).status == 304)
        let anonymous = send("HEAD", path)
        #expect(anonymous.status == 401 && anonymous.body.isEmpty && anonymous.header("WWW-Authenticate") != nil)
        #expect(send("HEAD", "/api/health").status == 200)
    }

    @Test("OPTIONS is 204 with Allow for anyone, whatever its Accept", arguments: [
        ("/api/people", "GET, HEAD, POST, OPTIONS"), ("/api/people/x", "GET, HEAD, DELETE, OPTIONS"), ("/api/health", "GET, HEAD, OPTIONS"),
    ])
    func options(path: String, allow: String) {
        let response = send("OPTIONS", path, headers: ["accept": "text/html", "origin": "https://elsewhere.example"])
        #expect(response.status == 204 && response.body.isEmpty)
        #expect(response.header("Allow") == allow)
        #expect(!response.headers.contains { $0.name.lowercased().hasPrefix("access-control-") })
    }

    @Test func unknownMethodsAre501BeforeEverythingElse() {
        for path in ["/api/people", "/api/nowhere", "/api/people/x"] {
            #expect(send("PROPFIND", path, headers: ["accept": "text/html"]).status == 501)
        }
        #expect(send("TRACE", "/api/people", headers: ["accept": "text/html"]).status == 405)
    }

    @Test func violationsFollowErrorsWithCodes() {
        let error = json(send("POST", "/api/people", body: #"{"name":"","email":"nope","age":36.5,"id":"x"}"#))["error"] as? [String: Any] ?? [:]
        let violations = error["violations"] as? [[String: String]] ?? []
        #expect(violations.map { $0["field"] ?? "" } == ["age", "email", "id", "name"])
        #expect(violations.map { $0["code"] ?? "" } == ["not_a_whole_number", "invalid_email", "unknown_field", "blank"])
        let errors = error["errors"] as? [String: [String]] ?? [:]
        for violation in violations { #expect(errors[violation["field"] ?? ""]?.contains(violation["message"] ?? "") == true) }
        let notFound = json(send("GET", "/api/nowhere"))["error"] as? [String: Any] ?? [:]
        #expect((notFound["violations"] as? [Any])?.isEmpty == true)
    }

    @Test("problem details only when ranked strictly above JSON", arguments: [
        ("application/problem+json", true), ("application/problem+json, application/json;q=0.9", true),
        ("application/json;q=0.5, application/problem+json;q=0.6", true), ("*/*;q=0.1, application/problem+json;q=0.2", true),
        ("application/json, application/problem+json", false), ("application/problem+json;q=0.5, */*", false),
        ("application/json", false), ("*/*", false), ("", false),
    ])
    func negotiation(accept: String, problem: Bool) {
        let response = send("POST", "/api/people", body: #"{"name":"Ada","email":"bad"}"#, headers: ["accept": accept])
        #expect(response.status == 422)
        #expect(response.header("Content-Type") == (problem ? "application/problem+json" : "application/json; charset=utf-8"))
    }

    @Test func problemDetailsHaveTheContractsShape() {
        let response = send("POST", "/api/people", body: #"{"name":"Ada","email":"bad","a/b~":1}"#, headers: ["accept": "application/problem+json"])
        let problem = json(response)
        #expect(problem["type"] as? String == "/problems/validation-error")
        #expect(problem["title"] as? String == "Validation error")
        #expect(problem["status"] as? Int == 422)
        #expect(problem["instance"] as? String == "/api/people")
        #expect(problem["code"] as? String == "VALIDATION_ERROR")
        #expect((problem["detail"] as? String)?.isEmpty == false)
        let errors = problem["errors"] as? [[String: String]] ?? []
        #expect(errors.map { $0["pointer"] ?? "" } == ["#/a~1b~0", "#/email"])
        #expect(errors.map { $0["code"] ?? "" } == ["unknown_field", "invalid_email"])
        #expect(problem["correlation_id"] as? String == response.header("X-Request-ID"))
        let allowed = send("PUT", "/api/health", headers: ["accept": "application/problem+json"])
        #expect(allowed.status == 405 && allowed.header("Allow") == "GET, HEAD, OPTIONS")
        #expect(json(allowed)["type"] as? String == "/problems/method-not-allowed")
    }

    @Test func acceptOfProblemDetailsAloneIsNot406() {
        #expect(send("GET", "/api/health", headers: ["accept": "application/problem+json"]).status == 200)
        #expect(send("GET", "/api/health", headers: ["accept": "text/html"]).status == 406)
    }
}
