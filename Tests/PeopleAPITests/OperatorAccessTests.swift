import Foundation
import HTTPMessages
import Logging
import Testing
@testable import PeopleAPI

/// Creates are public; reading and erasing people need a valid operator token.
@Suite struct OperatorAccessTests {
    let repository = PersonMemoryRepository()
    let tokens = OperatorTokenMemoryStore()
    let token: String

    init() throws {
        token = try OperatorTokens(store: tokens).create(name: "ops")
    }

    var responder: PeopleResponder {
        PeopleResponder(repository: repository, tokens: tokens, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func send(_ method: String, _ path: String, query: String = "", authorization: String? = nil, headers: [String: String] = [:]) -> ServerResponse {
        var all = headers
        if let authorization { all["authorization"] = authorization }
        return responder.handle(ServerRequest(method: method, path: path, query: query, headers: all))
    }

    func createPerson(_ email: String = "ada@example.com", key: String? = nil) -> ServerResponse {
        var headers = ["content-type": "application/json"]
        if let key { headers["idempotency-key"] = key }
        return responder.handle(ServerRequest(method: "POST", path: "/api/people", headers: headers,
                                              body: .complete(Array(#"{"name":"Ada","email":"\#(email)"}"#.utf8))))
    }

    func id(of response: ServerResponse) -> String {
        (response.header("Location") ?? "").replacingOccurrences(of: "/api/people/", with: "")
    }

    func code(_ response: ServerResponse) -> String? {
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        return (json?["error"] as? [String: Any])?["code"] as? String
    }

    static let someID = "0193a000-0000-7000-8000-000000000000"

    @Test("every read and erase without a token is 401 with a Bearer challenge", arguments: [
        ("GET", "/api/people"), ("GET", "/api/people/\(someID)"), ("DELETE", "/api/people/\(someID)"),
        ("GET", "/api/people/not-a-uuid"), ("DELETE", "/api/people/not-a-uuid"),
    ])
    func anonymous(method: String, path: String) {
        let response = send(method, path)
        #expect(response.status == 401)
        #expect(code(response) == "UNAUTHORIZED")
        #expect(response.header("WWW-Authenticate") == #"Bearer realm="people-api""#)
        #expect(response.header("Cache-Control") == "no-store")
    }

    @Test("a token that is wrong, malformed or of another scheme is 401 invalid_token", arguments: [
        "Bearer wrong-token", "Bearer a b", "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "Bearer \u{e9}t\u{e9}", "Bearer =abc", "Bearer " + String(repeating: "x", count: 600),
    ])
    func invalid(authorization: String) {
        let response = send("GET", "/api/people", authorization: authorization)
        #expect(response.status == 401)
        #expect(response.header("WWW-Authenticate") == #"Bearer realm="people-api", error="invalid_token""#)
    }

    @Test("`Bearer` with nothing after it (an empty $TOKEN) is told it sent no token", arguments: ["Bearer", "Bearer ", "bearer", "  "])
    func noTokenAfterBearer(authorization: String) {
        let response = send("GET", "/api/people", authorization: authorization)
        #expect(response.status == 401)
        #expect(response.header("WWW-Authenticate") == #"Bearer realm="people-api""#)
    }

    @Test func theSchemeIsCaseInsensitive() {
        #expect(send("GET", "/api/people", authorization: "bearer \(token)").status == 200)
        #expect(send("GET", "/api/people", authorization: "BEARER \(token)").status == 200)
    }

    @Test func methodAndAcceptAreCheckedBeforeTheToken() {
        #expect(send("PUT", "/api/people/\(Self.someID)").status == 405)
        #expect(send("GET", "/api/people", headers: ["accept": "text/html"]).status == 406)
    }

    @Test func createsAndHealthNeedNoToken() {
        #expect(createPerson().status == 201)
        #expect(send("GET", "/api/health").status == 200)
    }

    @Test func anOperatorCanListGetAndErase() {
        let created = createPerson()
        let path = "/api/people/\(id(of: created))"
        let bearer = "Bearer \(token)"
        #expect(send("GET", "/api/people", authorization: bearer).status == 200)
        #expect(send("GET", path, authorization: bearer).status == 200)
        let erased = send("DELETE", path, authorization: bearer)
        #expect(erased.status == 204)
        #expect(erased.body.isEmpty)
        #expect(erased.header("Cache-Control") == "no-store")
        #expect(send("DELETE", path, authorization: bearer).status == 404)
        #expect(send("GET", path, authorization: bearer).status == 404)
        #expect(send("DELETE", "/api/people/not-a-uuid", authorization: bearer).status == 404)
    }

    @Test func afterAnErasureTheEmailIsFreeAndTheOldKeyCreatesAnew() {
        let first = createPerson(key: "retry-me")
        #expect(send("DELETE", first.header("Location") ?? "", authorization: "Bearer \(token)").status == 204)
        let retried = createPerson(key: "retry-me")
        #expect(retried.status == 201)
        #expect(retried.header("Idempotent-Replayed") == nil)
        #expect(id(of: retried) != id(of: first))
    }

    @Test func aRevokedTokenIsRefusedAtOnce() throws {
        #expect(send("GET", "/api/people", authorization: "Bearer \(token)").status == 200)
        try OperatorTokens(store: tokens).revoke(name: "ops")
        #expect(send("GET", "/api/people", authorization: "Bearer \(token)").status == 401)
    }
}
