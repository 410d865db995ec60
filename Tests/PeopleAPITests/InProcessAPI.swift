import Foundation
import HTTPMessages
import Logging
import Testing
@testable import PeopleAPI

/// The responder in process, over the memory stores: a request value in, a response value out.
struct InProcessAPI {
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
}
