import Foundation
import Logging
import Testing
@testable import PeopleAPI

@Suite struct LogLineTests {
    @Test func writesStreamLogHandlersFormatWithMetadataSorted() throws {
        let lines = try captured { fd in
            var handler = LineLogHandler(label: "people-api", fileDescriptor: fd)
            handler[metadataKey: "zone"] = "handler"
            handler[metadataKey: "b"] = "overridden"
            var logger = Logger(label: "people-api") { _ in handler }
            logger.logLevel = .info
            logger.info("GET /api/health 200", metadata: ["b": "2", "a": "1"])
            logger.debug("below the level")
        }
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        // 2026-11-23T03:04:05+0000 info people-api: a=1 b=2 zone=handler [PeopleAPITests] GET /api/health 200
        let match = line.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} info people-api: (.*)/)
        #expect(match?.1 == "a=1 b=2 zone=handler [PeopleAPITests] GET /api/health 200", "\(line)")
    }

    @Test func linesFromManyThreadsStayWhole() throws {
        let threads = 8, perThread = 500
        let lines = try captured { fd in
            let logger = Logger(label: "t") { label in LineLogHandler(label: label, fileDescriptor: fd) }
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                for index in 0..<perThread {
                    logger.info("\(String(repeating: "x", count: 200)) \(thread)-\(index)", metadata: ["thread": "\(thread)"])
                }
            }
        }
        #expect(lines.count == threads * perThread)
        #expect(lines.allSatisfy { $0.contains(" info t: thread=") && $0.contains(String(repeating: "x", count: 200) + " ") })
        #expect(Set(lines.map { $0.split(separator: " ").last! }).count == threads * perThread)
    }

    @Test("escapes control characters, and only those", arguments: [
        ("/api/people", "/api/people"),
        ("/a\nb", "/a\\u{a}b"),
        ("/a\u{7F}b\u{85}c", "/a\\u{7f}b\\u{85}c"),
        ("/é/ü/\u{A0}/😀", "/é/ü/\u{A0}/😀"),
    ])
    func logSafe(input: String, expected: String) {
        #expect(LogSafe.text(input) == expected)
    }

    /// Runs `body` with a temporary file's descriptor and returns the lines written to it.
    private func captured(_ body: (Int32) -> Void) throws -> [String] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
        try #require(fd >= 0)
        defer { unlink(path) }
        body(fd)
        close(fd)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}
