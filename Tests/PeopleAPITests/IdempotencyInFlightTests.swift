import Dispatch
import HTTPMessages
import Logging
import Testing
@testable import PeopleAPI

/// A store whose creates wait until the test lets them go, so a retry can arrive mid-create.
final class GatedRepository: PersonRepository {
    let inner = PersonMemoryRepository()
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)

    func create(_ submission: NewPerson, idempotency: IdempotencyRecord?) throws -> CreateOutcome {
        entered.signal()
        release.wait()
        return try inner.create(submission, idempotency: idempotency)
    }

    func find(id: String) throws -> Person? { try inner.find(id: id) }
    func list(limit: Int, after cursor: PageCursor?) throws -> PersonPage { try inner.list(limit: limit, after: cursor) }
    func erase(id: String) throws -> Bool { try inner.erase(id: id) }
    var cursorSigningKey: [UInt8] { inner.cursorSigningKey }
    func checkHealth() throws { try inner.checkHealth() }
}

@Suite struct IdempotencyInFlightTests {
    @Test func aRetryWhileTheFirstIsInFlightGets409() async {
        let repository = GatedRepository()
        let responder = PeopleResponder(repository: repository, tokens: OperatorTokenMemoryStore(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let request = ServerRequest(method: "POST", path: "/api/people",
                                    headers: ["content-type": "application/json", "idempotency-key": "same"],
                                    body: .complete(Array(#"{"name":"Ada","email":"ada@example.com"}"#.utf8)))
        let first = Task.detached { responder.handle(request).status }
        repository.entered.wait()
        let retry = responder.handle(request)
        #expect(retry.status == 409)
        #expect(String(decoding: retry.body, as: UTF8.self).contains("IDEMPOTENCY_KEY_IN_USE"))
        repository.release.signal()
        #expect(await first.value == 201)
        repository.release.signal()
        // Once the first has finished, the same retry is a replay.
        let replay = responder.handle(request)
        #expect(replay.status == 201)
        #expect(replay.header("Idempotent-Replayed") == "true")
    }
}
