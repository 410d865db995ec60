import Dispatch
import HTTPMessages
import Logging
import Testing
@testable import PeopleAPI

/// Holds a keyed create in flight, between its claim and its commit, until the test lets it go.
final class InFlightGate: Sendable {
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)

    func hold() {
        entered.signal()
        release.wait()
    }
}

@Suite struct IdempotencyInFlightTests {
    @Test func aRetryWhileTheFirstIsInFlightGets409() async {
        let gate = InFlightGate()
        let repository = PersonMemoryRepository(whileInFlight: { gate.hold() })
        let responder = PeopleResponder(repository: repository, tokens: OperatorTokenMemoryStore(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let request = ServerRequest(method: "POST", path: "/api/people",
                                    headers: ["content-type": "application/json", "idempotency-key": "same"],
                                    body: .complete(Array(#"{"name":"Ada","email":"ada@example.com"}"#.utf8)))
        let first = Task.detached { responder.handle(request).status }
        gate.entered.wait()
        let retry = responder.handle(request)
        #expect(retry.status == 409)
        #expect(String(decoding: retry.body, as: UTF8.self).contains("IDEMPOTENCY_KEY_IN_USE"))
        gate.release.signal()
        #expect(await first.value == 201)
        gate.release.signal()
        // Once the first has finished, the same retry is a replay.
        let replay = responder.handle(request)
        #expect(replay.status == 201)
        #expect(replay.header("Idempotent-Replayed") == "true")
    }
}
