import HTTPMessages
import Logging
import Testing
@testable import PeopleAPI

/// CR, LF and other control characters in the headers the contract reads never reach a
/// response header or a log line unescaped.
@Suite struct HostileHeaderTests {
    final class CapturedLog: @unchecked Sendable {
        var lines: [String] = []
    }

    struct CapturingHandler: LogHandler {
        let log: CapturedLog
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let values = (event.metadata ?? [:]).map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.lines.append("\(event.message) \(values)")
        }
    }

    @Test("hostile header values", arguments: ["x-request-id", "idempotency-key", "accept", "content-type"])
    func controlCharactersStayOut(header: String) {
        let log = CapturedLog()
        let responder = PeopleResponder(repository: PersonMemoryRepository(), tokens: OperatorTokenMemoryStore(),
                                        logger: Logger(label: "t", factory: { _ in CapturingHandler(log: log) }))
        var headers = ["content-type": "application/json"]
        headers[header] = "a\r\nSet-Cookie: evil=1\u{0}\u{1B}[31m"
        let response = responder.handle(ServerRequest(method: "POST", path: "/api/people\r\nInjected: 1", headers: headers,
                                                      body: .complete(Array(#"{"name":"A","email":"a@b.co"}"#.utf8))))
        for (name, value) in response.headers {
            #expect(!(name + value).unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(name): \(value)")
            #expect(!value.contains("evil"))
        }
        #expect(!log.lines.isEmpty)
        for line in log.lines {
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(line)")
        }
    }
}
