import Foundation
import HTTPMessages
import Logging
import Testing
@testable import PeopleAPI

/// The responder end to end in process, over the memory store: reads, replays, pages and health.
@Suite struct ResponderReadTests {
    let api: InProcessAPI

    init() throws { api = try InProcessAPI() }

    @Test func getReturnsThePersonWithETagAnd304() {
        let created = api.create(#"{"name":"Ada","email":"ada@example.com"}"#)
        let location = created.header("Location") ?? ""
        let fetched = api.send("GET", location)
        #expect(fetched.status == 200)
        #expect(fetched.json["id"] as? String == created.json["id"] as? String)
        #expect(fetched.header("Cache-Control") == "private, no-cache")
        let etag = fetched.header("ETag") ?? ""
        #expect(!etag.isEmpty)
        let revalidated = api.send("GET", location, headers: ["if-none-match": etag])
        #expect(revalidated.status == 304)
        #expect(revalidated.response.body.isEmpty)
        #expect(revalidated.header("ETag") == etag)
        #expect(api.send("GET", location, headers: ["if-none-match": "\"other\""]).status == 200)
        #expect(api.send("GET", location.uppercased().replacingOccurrences(of: "/API/PEOPLE/", with: "/api/people/")).status == 200)
    }

    @Test func idempotentReplayReturnsTheOriginal() throws {
        let body = #"{"name":"Ada","email":"ada@example.com"}"#
        let first = api.create(body, headers: ["idempotency-key": "key-1"])
        let again = api.create(body, headers: ["idempotency-key": "key-1"])
        #expect(first.status == 201 && again.status == 201)
        #expect(again.json["id"] as? String == first.json["id"] as? String)
        #expect(again.header("Location") == first.header("Location"))
        #expect(again.response.body == first.response.body)
        #expect(again.header("Idempotent-Replayed") == "true")
        #expect(first.header("Idempotent-Replayed") == nil)
        let reused = api.create(#"{"name":"Bob","email":"bob@example.com"}"#, headers: ["idempotency-key": "key-1"])
        #expect(reused.status == 422)
        #expect(reused.code == "IDEMPOTENCY_KEY_REUSED")
        #expect(try api.repository.list(limit: 100, after: nil).items.count == 1)
    }

    @Test func failedCreatesAreNotRemembered() {
        #expect(api.create(#"{"name":"","email":"ada@example.com"}"#, headers: ["idempotency-key": "k"]).status == 422)
        #expect(api.create(#"{"name":"Ada","email":"ada@example.com"}"#, headers: ["idempotency-key": "k"]).status == 201)
    }

    @Test func listWalksEveryPageNewestFirst() {
        for index in 0..<45 { _ = api.create(#"{"name":"P\#(index)","email":"p\#(index)@example.com"}"#) }
        var names: [String] = []
        var query = "limit=20"
        var pages = 0
        while pages < 10 {
            let reply = api.send("GET", "/api/people", query: query)
            #expect(reply.status == 200)
            let items = reply.json["items"] as? [[String: Any]] ?? []
            names += items.compactMap { $0["name"] as? String }
            pages += 1
            guard let next = reply.json["next"] as? String else { break }
            query = "limit=20&after=\(next)"
        }
        #expect(pages == 3)
        #expect(names == (0..<45).reversed().map { "P\($0)" })
        #expect(api.send("GET", "/api/people").json["items"].map { ($0 as? [Any])?.count } == 20)
    }

    @Test("bad list queries", arguments: ["limit=0", "limit=101", "limit=abc", "limit=", "limit=-1", "limit=1.5", "after=nonsense", "after=", "after=MTox", "limit=5&limit=6", "limit=5&limit=5"])
    func badListQuery(query: String) {
        let reply = api.send("GET", "/api/people", query: query)
        #expect(reply.status == 400)
        #expect(reply.code == "INVALID_QUERY")
    }

    @Test func aCursorSignedWithAnotherKeyIs400() throws {
        let forged = PageCursor(sequence: 99, personID: "0193a000-0000-7000-8000-000000000000").token(signedWith: Array(repeating: 7, count: 32))
        #expect(api.send("GET", "/api/people", query: "after=\(forged)").code == "INVALID_QUERY")
        let issued = PageCursor(sequence: 99, personID: "0193a000-0000-7000-8000-000000000000").token(signedWith: try api.repository.cursorSigningKey())
        #expect(api.send("GET", "/api/people", query: "after=\(issued)").status == 200)
    }

    @Test func healthReportsTheStore() {
        #expect(api.send("GET", "/api/health").json["database"] as? String == "ok")
        api.repository.isUnavailable.store(true, ordering: .relaxed)
        let down = api.send("GET", "/api/health")
        #expect(down.status == 503)
        #expect(down.code == "SERVICE_UNAVAILABLE")
        #expect(down.header("Retry-After") != nil)
        #expect(api.create(#"{"name":"Ada","email":"ada@example.com"}"#).status == 503)
    }

    @Test func hostileBodiesNeverTrap() {
        let bodies = [String(repeating: "[", count: 10_000), String(repeating: "{\"a\":", count: 5_000),
                      #"{"name":"\#(String(repeating: "x", count: 60_000))","email":"a@b.co"}"#,
                      "{\"age\":\(String(repeating: "9", count: 5000))}", "\u{0}\u{0}", "{\"name\":\"\\ud800\"}"]
        for body in bodies {
            let status = api.create(body).status
            #expect(status == 400 || status == 422, "\(body.prefix(20)): \(status)")
        }
        let invalidUTF8 = api.responder.handle(ServerRequest(method: "POST", path: "/api/people",
                                                         headers: ["content-type": "application/json"], body: .complete([0x7B, 0xC3, 0x28, 0x7D])))
        #expect(invalidUTF8.status == 400)
    }
}
