import Glibc

/// Whether a connection's next request has its params in, and whether they are within bound,
/// judged from the records pending on the socket before libfcgi reads a byte.
///
/// A worker reads a request with libfcgi's blocking reads, so params that had only partly
/// arrived would hold it until the peer sent the rest or the idle timeout passed: four peers
/// that stalled mid-params would stall a process of four workers. So a request goes to a worker
/// only once its params have ended (the empty `FCGI_PARAMS` record); until then it waits in the
/// front door. nginx sends a request's params in one write, so the first look almost always
/// finds them. The body is not waited for here: a socket queues only so much (as little as
/// 45 KB of 4 KiB records, measured), so a large body may be waiting for a reader; the worker
/// reads it with the idle timeout on every read.
///
/// The bound: libfcgi keeps every name-value pair of a request in memory, with no limit of its
/// own, and allocates what a pair declares before reading it: before 2.4.5 it added two declared
/// lengths in an `int` and overflowed the heap with the result (CVE-2025-23016). Debian 12's
/// 2.4.2-2+deb12u1 survived such a pair here; the check keeps any build safe from it: the
/// pairs must add up, each declared length within the params actually sent.
///
/// The records are looked at with `MSG_PEEK`, so libfcgi still reads every byte itself (except
/// where another request id's records come before the params end: `InterleavedParams`).
struct RequestArrival: Sendable {
    let maxParamsBytes: Int

    enum Verdict: Equatable {
        /// The params have ended within the bound (or the records are not params at all:
        /// libfcgi decides): a worker may read the request. `interleavedThrough`: the bytes, up to
        /// the params' end, among which another request id's records came (`InterleavedParams`).
        case arrived(interleavedThrough: Int?)
        /// Part of the params is still on its way.
        case arriving
        /// More params than the bound, pairs whose lengths do not add up, a peer that stopped
        /// sending halfway, or a broken connection: close without reading.
        case refused
    }

    /// One look, without waiting. `buffer` is the caller's own, reused across requests; it
    /// grows while the pending records fill it.
    func look(at fd: Int32, buffer: inout [UInt8]) -> Verdict {
        while true {
            let seen = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_PEEK | MSG_DONTWAIT)) }
            if seen == 0 { return .arrived(interleavedThrough: nil) }  // EOF before a request: libfcgi sees it and closes
            if seen < 0 { return errno == EAGAIN || errno == EINTR ? .arriving : .refused }
            switch scan(buffer, count: seen) {
            case .complete(let interleavedThrough):
                return .arrived(interleavedThrough: interleavedThrough)
            case .tooLarge:
                return .refused
            case .incomplete:
                if seen == buffer.count {
                    // The buffer holds the bound's worth and more is pending: look further.
                    guard buffer.count < maxParamsBytes + 64 * RecordHeader.size + 65_536 else { return .refused }
                    buffer += [UInt8](repeating: 0, count: buffer.count)
                    continue
                }
                return Self.peerStoppedSending(fd) ? .refused : .arriving
            }
        }
    }

    /// The peer shut its side down with the params still incomplete: the rest will never come.
    private static func peerStoppedSending(_ fd: Int32) -> Bool {
        var poll = pollfd(fd: fd, events: pollReadHangUp, revents: 0)
        return Glibc.poll(&poll, 1, 0) == 1 && poll.revents & (pollReadHangUp | Int16(POLLHUP | POLLERR)) != 0
    }

    /// `POLLRDHUP`, which glibc declares only for `_GNU_SOURCE`.
    private static let pollReadHangUp: Int16 = 0x2000

    private enum Scan { case complete(interleavedThrough: Int?), incomplete, tooLarge }

    /// Walks whole records of the request the first `FCGI_BEGIN_REQUEST` began (`RequestRecords`):
    /// params so far against the bound; the empty params record ends them, and then the pairs
    /// they carry must add up. Other requests' records and second begins are noted, wherever
    /// they fall before that end; management records are libfcgi's to answer.
    private func scan(_ bytes: [UInt8], count: Int) -> Scan {
        var offset = 0
        var paramsBytes = 0
        var contents: [Range<Int>] = []
        var records = RequestRecords()
        var interleaved = false
        while let header = RecordHeader(bytes, at: offset, end: count) {
            let end = offset + header.recordLength
            switch records.owner(of: header) {
            case .management:
                break
            case .secondBegin, .other:
                interleaved = true
            case .own:
                if header.type == RecordHeader.params {
                    if header.contentLength == 0 {
                        guard end <= count else { return .incomplete }
                        return Self.pairsAddUp(bytes, contents) ? .complete(interleavedThrough: interleaved ? end : nil) : .tooLarge
                    }
                    paramsBytes += header.contentLength
                    if paramsBytes > maxParamsBytes { return .tooLarge }
                    contents.append(offset + RecordHeader.size..<offset + RecordHeader.size + header.contentLength)
                } else if header.type == RecordHeader.stdin {
                    // Out of order: libfcgi refuses it, after reading the pairs before it.
                    return Self.pairsAddUp(bytes, contents) ? .complete(interleavedThrough: nil) : .tooLarge
                }
            }
            offset = end
        }
        return .incomplete
    }

    /// Name-value pairs (FastCGI specification, 3.4): lengths of one byte, or of four with the
    /// high bit set; every pair within the params sent.
    private static func pairsAddUp(_ bytes: [UInt8], _ contents: [Range<Int>]) -> Bool {
        let params = contents.flatMap { bytes[$0] }
        var offset = 0
        func length() -> Int? {
            guard offset < params.count else { return nil }
            if params[offset] & 0x80 == 0 {
                offset += 1
                return Int(params[offset - 1])
            }
            guard offset + 4 <= params.count else { return nil }
            let value = Int(params[offset] & 0x7f) << 24 | Int(params[offset + 1]) << 16 | Int(params[offset + 2]) << 8 | Int(params[offset + 3])
            offset += 4
            return value
        }
        while offset < params.count {
            guard let name = length(), let value = length(), name <= params.count - offset,
                  value <= params.count - offset - name else { return false }
            offset += name + value
        }
        return true
    }
}
