import Foundation
import HTTPMessages
import Logging
import Testing
@testable import PeopleAPI

/// The responder end to end in process: request value in, response value out, over the memory store.
@Suite struct ResponderTests {
    let repository = PersonMemoryRepository()
    let tokens = OperatorTokenMemoryStore()
    static let operatorToken = "test-operator-token"
    var responder: PeopleResponder {
        PeopleResponder(repository: repository, tokens: tokens, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    init() throws {
        try tokens.addToken(name: "tests", digest: OperatorToken.digest(Self.operatorToken), createdAt: "2026-11-22T00:00:00.000Z")
    }

    struct Reply {
        let status: Int
        let response: ServerResponse
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:] }
        var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
        var code: String? { error["code"] as? String }
        func header(_ name: String) -> String? { response.header(name) }
    }

    /// Carries the operator token unless `anonymous`, or unless the headers bring their own `authorization`.
    func send(_ method: String, _ path: String, query: String = "", body: String? = nil, headers: [String: String] = [:],
              anonymous: Bool = false) -> Reply {
        var allHeaders = headers
        if !anonymous, allHeaders["authorization"] == nil { allHeaders["authorization"] = "Bearer \(Self.operatorToken)" }
        if body != nil, allHeaders["content-type"] == nil { allHeaders["content-type"] = "application/json" }
        let request = ServerRequest(method: method, path: path, query: query, headers: allHeaders,
                                    body: .complete(Array((body ?? "").utf8)))
        let response = responder.handle(request)
        return Reply(status: response.status, response: response)
    }

    func create(_ body: String, headers: [String: String] = [:]) -> Reply {
        send("POST", "/api/people", body: body, headers: headers)
    }

    @Test func createReturns201WithLocationAndThePerson() {
        let reply = create(#"{"name":" Ada ","email":"ada@EXAMPLE.com","age":36}"#)
        #expect(reply.status == 201)
        let id = reply.json["id"] as? String ?? ""
        #expect(reply.header("Location") == "/api/people/\(id)")
        #expect(reply.json["name"] as? String == "Ada")
        #expect(reply.json["email"] as? String == "ada@example.com")
        #expect(reply.json["age"] as? Int == 36)
        #expect(UUID(uuidString: id) != nil)
        #expect((reply.json["created_at"] as? String)?.hasSuffix("Z") == true)
        #expect(reply.header("Cache-Control") == "no-store")
        #expect(reply.header("X-Content-Type-Options") == "nosniff")
    }

    @Test func ageIsNullWhenAbsent() {
        let reply = create(#"{"name":"Ada","email":"ada@example.com"}"#)
        #expect(reply.json.keys.contains("age"))
        #expect(reply.json["age"] is NSNull)
    }

    @Test func errorEnvelopeHasEveryField() {
        let reply = send("POST", "/api/people", body: "{", headers: ["x-request-id": "trace-1"])
        #expect(reply.status == 400)
        #expect(reply.code == "MALFORMED_JSON")
        #expect(reply.error["status"] as? Int == 400)
        #expect(reply.error["errors"] as? [String: Any] != nil)
        #expect(reply.error["correlation_id"] as? String == "trace-1")
        #expect(reply.header("X-Request-ID") == "trace-1")
        #expect(reply.header("Content-Type") == "application/json; charset=utf-8")
        #expect((reply.error["timestamp"] as? String)?.count == 24)
        #expect(reply.error["message"] as? String != nil)
    }

    @Test func nginxCorrelationIDWinsAndBadClientIDsAreReplaced() {
        let proxied = responder.handle(ServerRequest(method: "GET", path: "/api/health", params: ["REQUEST_ID": "abc123"]))
        #expect(proxied.header("X-Request-ID") == "abc123")
        let hostile = send("GET", "/api/health", headers: ["x-request-id": "a\r\nSet-Cookie: x=1"])
        #expect(hostile.header("X-Request-ID")?.count == 32)
    }

    @Test("statuses and codes of the contract", arguments: [
        ("PUT", "/api/people", nil, [:], 405, "METHOD_NOT_ALLOWED"),
        ("TRACE", "/api/people", nil, [:], 405, "METHOD_NOT_ALLOWED"),
        ("BREW", "/api/people", nil, [:], 501, "NOT_IMPLEMENTED"),
        ("BREW", "/api/nowhere", nil, ["accept": "text/html"], 501, "NOT_IMPLEMENTED"),
        ("CONNECT", "/api/health", nil, ["accept": "text/html"], 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", "/api/people/0193a000-0000-7000-8000-000000000000", nil, [:], 404, "NOT_FOUND"),
        ("PUT", "/api/people/0193a000-0000-7000-8000-000000000000", nil, [:], 405, "METHOD_NOT_ALLOWED"),
        ("POST", "/api/health", nil, [:], 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/api/nothing", nil, [:], 404, "NOT_FOUND"),
        ("GET", "/api/people/not-a-uuid", nil, [:], 404, "NOT_FOUND"),
        ("GET", "/api/people/0193a000-0000-7000-8000-000000000000", nil, [:], 404, "NOT_FOUND"),
        ("GET", "/api/people", nil, ["accept": "text/html"], 406, "NOT_ACCEPTABLE"),
        ("GET", "/api/people", nil, ["accept": "application/json;q=0"], 406, "NOT_ACCEPTABLE"),
        ("POST", "/api/people", "{}", ["content-type": "text/plain"], 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("POST", "/api/people", "", [:], 400, "MALFORMED_JSON"),
        ("POST", "/api/people", "[1]", [:], 400, "MALFORMED_JSON"),
        ("POST", "/api/people", "{}", [:], 422, "VALIDATION_ERROR"),
        ("POST", "/api/people", "{}", ["idempotency-key": ""], 400, "INVALID_IDEMPOTENCY_KEY"),
        ("POST", "/api/people", "{}", ["idempotency-key": "has space"], 400, "INVALID_IDEMPOTENCY_KEY"),
        ("POST", "/api/people", "{}", ["idempotency-key": String(repeating: "k", count: 256)], 400, "INVALID_IDEMPOTENCY_KEY"),
    ] as [(String, String, String?, [String: String], Int, String)])
    func errorStatuses(method: String, path: String, body: String?, headers: [String: String], status: Int, code: String) {
        let reply = send(method, path, body: body, headers: headers)
        #expect(reply.status == status)
        #expect(reply.code == code)
        #expect(reply.error["status"] as? Int == status)
    }

    @Test func methodNotAllowedCarriesAllow() {
        #expect(send("PATCH", "/api/people").header("Allow") == "GET, HEAD, POST, OPTIONS")
        #expect(send("PUT", "/api/people/x").header("Allow") == "GET, HEAD, DELETE, OPTIONS")
        #expect(send("DELETE", "/api/health").header("Allow") == "GET, HEAD, OPTIONS")
    }

    @Test func acceptVariantsThatAdmitJSON() {
        for accept in ["application/json", "application/*", "*/*", "text/html, application/json;q=0.5", "APPLICATION/JSON; charset=utf-8", ""] {
            #expect(send("GET", "/api/health", headers: ["accept": accept]).status == 200, "\(accept)")
        }
    }

    @Test func contractOrderOfChecks() {
        // Accept before Content-Type, Content-Type before size, size before key format, key before JSON.
        #expect(create("{", headers: ["accept": "text/html", "content-type": "text/plain"]).status == 406)
        let tooLarge = responder.handle(ServerRequest(method: "POST", path: "/api/people", headers: ["content-type": "text/plain"], body: .tooLarge))
        #expect(tooLarge.status == 415)
        let sized = responder.handle(ServerRequest(method: "POST", path: "/api/people",
                                                   headers: ["content-type": "application/json", "idempotency-key": ""], body: .tooLarge))
        #expect(sized.status == 413)
        #expect(create("{", headers: ["idempotency-key": ""]).code == "INVALID_IDEMPOTENCY_KEY")
        #expect(create(#"{"name":"","email":"taken@example.com"}"#).code == "VALIDATION_ERROR")
    }

    @Test func incompleteBodyIsABadRequest() {
        let reply = responder.handle(ServerRequest(method: "POST", path: "/api/people", headers: ["content-type": "application/json"], body: .incomplete))
        #expect(reply.status == 400)
    }

    @Test func duplicateEmailIs409WithAFieldMessage() {
        #expect(create(#"{"name":"Ada","email":"ada@example.com"}"#).status == 201)
        let reply = create(#"{"name":"Other","email":"ADA@Example.com"}"#)
        #expect(reply.status == 409)
        #expect(reply.code == "CONFLICT")
        #expect((reply.error["errors"] as? [String: [String]])?["email"] == [FieldProblem.taken.message])
    }

    @Test func getReturnsThePersonWithETagAnd304() {
        let created = create(#"{"name":"Ada","email":"ada@example.com"}"#)
        let location = created.header("Location") ?? ""
        let fetched = send("GET", location)
        #expect(fetched.status == 200)
        #expect(fetched.json["id"] as? String == created.json["id"] as? String)
        #expect(fetched.header("Cache-Control") == "private, no-cache")
        let etag = fetched.header("ETag") ?? ""
        #expect(!etag.isEmpty)
        let revalidated = send("GET", location, headers: ["if-none-match": etag])
        #expect(revalidated.status == 304)
        #expect(revalidated.response.body.isEmpty)
        #expect(revalidated.header("ETag") == etag)
        #expect(send("GET", location, headers: ["if-none-match": "\"other\""]).status == 200)
        #expect(send("GET", location.uppercased().replacingOccurrences(of: "/API/PEOPLE/", with: "/api/people/")).status == 200)
    }

    @Test func idempotentReplayReturnsTheOriginal() throws {
        let body = #"{"name":"Ada","email":"ada@example.com"}"#
        let first = create(body, headers: ["idempotency-key": "key-1"])
        let again = create(body, headers: ["idempotency-key": "key-1"])
        #expect(first.status == 201 && again.status == 201)
        #expect(again.json["id"] as? String == first.json["id"] as? String)
        #expect(again.header("Location") == first.header("Location"))
        #expect(again.response.body == first.response.body)
        #expect(again.header("Idempotent-Replayed") == "true")
        #expect(first.header("Idempotent-Replayed") == nil)
        let reused = create(#"{"name":"Bob","email":"bob@example.com"}"#, headers: ["idempotency-key": "key-1"])
        #expect(reused.status == 422)
        #expect(reused.code == "IDEMPOTENCY_KEY_REUSED")
        #expect(try repository.list(limit: 100, after: nil).items.count == 1)
    }

    @Test func failedCreatesAreNotRemembered() {
        #expect(create(#"{"name":"","email":"ada@example.com"}"#, headers: ["idempotency-key": "k"]).status == 422)
        #expect(create(#"{"name":"Ada","email":"ada@example.com"}"#, headers: ["idempotency-key": "k"]).status == 201)
    }

    @Test func listWalksEveryPageNewestFirst() {
        for index in 0..<45 { _ = create(#"{"name":"P\#(index)","email":"p\#(index)@example.com"}"#) }
        var names: [String] = []
        var query = "limit=20"
        var pages = 0
        while pages < 10 {
            let reply = send("GET", "/api/people", query: query)
            #expect(reply.status == 200)
            let items = reply.json["items"] as? [[String: Any]] ?? []
            names += items.compactMap { $0["name"] as? String }
            pages += 1
            guard let next = reply.json["next"] as? String else { break }
            query = "limit=20&after=\(next)"
        }
        #expect(pages == 3)
        #expect(names == (0..<45).reversed().map { "P\($0)" })
        #expect(send("GET", "/api/people").json["items"].map { ($0 as? [Any])?.count } == 20)
    }

    @Test("bad list queries", arguments: ["limit=0", "limit=101", "limit=abc", "limit=", "limit=-1", "limit=1.5", "after=nonsense", "after=", "after=MTox", "limit=5&limit=6", "limit=5&limit=5"])
    func badListQuery(query: String) {
        let reply = send("GET", "/api/people", query: query)
        #expect(reply.status == 400)
        #expect(reply.code == "INVALID_QUERY")
    }

    @Test func aCursorSignedWithAnotherKeyIs400() throws {
        let forged = PageCursor(sequence: 99, personID: "0193a000-0000-7000-8000-000000000000").token(signedWith: Array(repeating: 7, count: 32))
        #expect(send("GET", "/api/people", query: "after=\(forged)").code == "INVALID_QUERY")
        let issued = PageCursor(sequence: 99, personID: "0193a000-0000-7000-8000-000000000000").token(signedWith: try repository.cursorSigningKey())
        #expect(send("GET", "/api/people", query: "after=\(issued)").status == 200)
    }

    @Test func healthReportsTheStore() {
        #expect(send("GET", "/api/health").json["database"] as? String == "ok")
        repository.isUnavailable.store(true, ordering: .relaxed)
        let down = send("GET", "/api/health")
        #expect(down.status == 503)
        #expect(down.code == "SERVICE_UNAVAILABLE")
        #expect(down.header("Retry-After") != nil)
        #expect(create(#"{"name":"Ada","email":"ada@example.com"}"#).status == 503)
    }

    @Test func hostileBodiesNeverTrap() {
        let bodies = [String(repeating: "[", count: 10_000), String(repeating: "{\"a\":", count: 5_000),
                      #"{"name":"\#(String(repeating: "x", count: 60_000))","email":"a@b.co"}"#,
                      "{\"age\":\(String(repeating: "9", count: 5000))}", "\u{0}\u{0}", "{\"name\":\"\\ud800\"}"]
        for body in bodies {
            let status = create(body).status
            #expect(status == 400 || status == 422, "\(body.prefix(20)): \(status)")
        }
        let invalidUTF8 = responder.handle(ServerRequest(method: "POST", path: "/api/people",
                                                         headers: ["content-type": "application/json"], body: .complete([0x7B, 0xC3, 0x28, 0x7D])))
        #expect(invalidUTF8.status == 400)
    }
}
