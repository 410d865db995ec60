import Glibc
import Testing
@testable import FastCGI

/// The front door's look at a connection's pending records, before libfcgi reads a byte.
@Suite struct RequestArrivalTests {
    typealias Client = FastCGIClient

    /// The verdict on `bytes` pending on a socket, peer still open.
    func verdict(_ bytes: [UInt8]) -> RequestArrival.Verdict {
        var ends: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer { ends.forEach { _ = close($0) } }
        _ = bytes.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
        var buffer = [UInt8](repeating: 0, count: 64)
        return RequestArrival(maxParamsBytes: 4096).look(at: ends[0], buffer: &buffer)
    }

    static let own = Client.params([("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/api/health")])
    static let other = Client.record(.beginRequest, id: 2, [0, 1, 0, 0, 0, 0, 0, 0]) + Client.record(.params, id: 2, [1, 1, 65, 66])
        + Client.record(.params, id: 2, []) + Client.record(.stdin, id: 2, [])

    @Test func paramsThatEndedHaveArrived() {
        #expect(verdict(Client.beginRequest() + Self.own) == .arrived(interleavedThrough: nil))
        #expect(verdict(Client.beginRequest() + Self.own + Self.other) == .arrived(interleavedThrough: nil))
    }

    @Test func anotherRequestsRecordsBeforeTheEndAreNotedUpToIt() {
        let bytes = Client.beginRequest() + Self.other + Self.own
        #expect(verdict(bytes) == .arrived(interleavedThrough: bytes.count))
        #expect(verdict(bytes + Client.stdin([])) == .arrived(interleavedThrough: bytes.count))
    }

    @Test func anotherRequestsEndOfParamsDoesNotEndThese() {
        let bytes = Client.beginRequest() + Self.other + Array(Self.own.dropLast(8))
        #expect(verdict(bytes) == .arriving)
    }

    @Test func anotherRequestsRecordBeforeAnyBeginWaitsForTheRequest() {
        let stray = Client.record(.abortRequest, id: 2, [])
        #expect(verdict(stray) == .arriving)
        let bytes = stray + Client.beginRequest() + Self.own
        #expect(verdict(bytes) == .arrived(interleavedThrough: bytes.count))
    }

    @Test func aSecondBeginOfTheSameIdIsNotedAndABeginOfIdZeroBeginsNothing() {
        let bytes = Client.beginRequest() + Client.beginRequest() + Self.own
        #expect(verdict(bytes) == .arrived(interleavedThrough: bytes.count))
        let management = Client.record(.beginRequest, id: 0, [0, 1, 0, 0, 0, 0, 0, 0])
        #expect(verdict(management + Client.beginRequest() + Self.own) == .arrived(interleavedThrough: nil))
    }

    @Test func pairsThatDoNotAddUpAreRefused() {
        let lying = Client.record(.params, [5, 200, 65, 66]) + Client.record(.params, [])
        #expect(verdict(Client.beginRequest() + lying) == .refused)
    }
}
