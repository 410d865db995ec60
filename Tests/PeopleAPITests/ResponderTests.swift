import Foundation
import HTTPMessages
import Logging
import Testing
@testable import PeopleAPI

/// The responder end to end in process, over the memory store: creates and their errors.
@Suite struct ResponderTests {
    let api: InProcessAPI

    init() throws { api = try InProcessAPI() }

    @Test func createReturns201WithLocationAndThePerson() {
        let reply = api.create(#"{"name":" Ada ","email":"ada@EXAMPLE.com","age":36}"#)
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
        let reply = api.create(#"{"name":"Ada","email":"ada@example.com"}"#)
        #expect(reply.json.keys.contains("age"))
        #expect(reply.json["age"] is NSNull)
    }

    @Test func errorEnvelopeHasEveryField() {
        let reply = api.send("POST", "/api/people", body: "{", headers: ["x-request-id": "trace-1"])
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
        let proxied = api.responder.handle(ServerRequest(method: "GET", path: "/api/health", webServerRequestID: "abc123"))
        #expect(proxied.header("X-Request-ID") == "abc123")
        let hostile = api.send("GET", "/api/health", headers: ["x-request-id": "a\r\nSet-Cookie: x=1"])
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
        let reply = api.send(method, path, body: body, headers: headers)
        #expect(reply.status == status)
        #expect(reply.code == code)
        #expect(reply.error["status"] as? Int == status)
    }

    @Test func methodNotAllowedCarriesAllow() {
        #expect(api.send("PATCH", "/api/people").header("Allow") == "GET, HEAD, POST, OPTIONS")
        #expect(api.send("PUT", "/api/people/x").header("Allow") == "GET, HEAD, DELETE, OPTIONS")
        #expect(api.send("DELETE", "/api/health").header("Allow") == "GET, HEAD, OPTIONS")
    }

    @Test func acceptVariantsThatAdmitJSON() {
        for accept in ["application/json", "application/*", "*/*", "text/html, application/json;q=0.5", "APPLICATION/JSON; charset=utf-8", "",
                       " */* ", "\t*/*", "Application/Problem+JSON"] {
            #expect(api.send("GET", "/api/health", headers: ["accept": accept]).status == 200, "\(accept)")
        }
    }

    @Test func contentTypesThatAreJSONAndOnesThatAreNot() {
        for contentType in ["application/json", "application/json; charset=utf-8", " Application/JSON ;charset=UTF-8", "application/json\t"] {
            #expect(api.create(#"{"name":"A","email":"a-\#(contentType.count)@example.com"}"#, headers: ["content-type": contentType]).status == 201,
                    "\(contentType)")
        }
        for contentType in ["application/jsonx", "application/json-patch+json", "text/json", "application/ json", "", ";application/json"] {
            #expect(api.create("{}", headers: ["content-type": contentType]).status == 415, "\(contentType)")
        }
    }

    @Test func contractOrderOfChecks() {
        // Accept before Content-Type, Content-Type before size, size before key format, key before JSON.
        #expect(api.create("{", headers: ["accept": "text/html", "content-type": "text/plain"]).status == 406)
        let tooLarge = api.responder.handle(ServerRequest(method: "POST", path: "/api/people", headers: ["content-type": "text/plain"], body: .tooLarge))
        #expect(tooLarge.status == 415)
        let sized = api.responder.handle(ServerRequest(method: "POST", path: "/api/people",
                                                   headers: ["content-type": "application/json", "idempotency-key": ""], body: .tooLarge))
        #expect(sized.status == 413)
        #expect(api.create("{", headers: ["idempotency-key": ""]).code == "INVALID_IDEMPOTENCY_KEY")
        #expect(api.create(#"{"name":"","email":"taken@example.com"}"#).code == "VALIDATION_ERROR")
    }

    @Test func incompleteBodyIsABadRequest() {
        let reply = api.responder.handle(ServerRequest(method: "POST", path: "/api/people", headers: ["content-type": "application/json"], body: .incomplete))
        #expect(reply.status == 400)
    }

    @Test func duplicateEmailIs409WithAFieldMessage() {
        #expect(api.create(#"{"name":"Ada","email":"ada@example.com"}"#).status == 201)
        let reply = api.create(#"{"name":"Other","email":"ADA@Example.com"}"#)
        #expect(reply.status == 409)
        #expect(reply.code == "CONFLICT")
        #expect((reply.error["errors"] as? [String: [String]])?["email"] == [FieldProblem.taken.message])
    }
}
