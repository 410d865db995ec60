import Glibc

/// A bound on the bytes of `FCGI_PARAMS` a peer may send, checked before libfcgi reads them.
///
/// libfcgi keeps every name-value pair of a request in memory, with no limit of its own,
/// and allocates what a pair declares before reading it: before 2.4.5 it added two declared
/// lengths in an `int` and overflowed the heap with the result (CVE-2025-23016). Debian 12's
/// 2.4.2-2+deb12u1 survived such a pair here; the check keeps any build safe from it: the
/// pairs must add up, each declared length within the params actually sent.
///
/// The records are looked at with `MSG_PEEK`, so libfcgi still reads every byte itself: the
/// check only decides whether it may. A request's params usually arrive in the same write as
/// its `BEGIN_REQUEST`, so the common case is one peek.
struct ParamsLimit: Sendable {
    let maxBytes: Int
    /// How long a peer may take to send the rest of its params.
    let timeoutMilliseconds: Int

    private static let headerSize = 8, paramsType: UInt8 = 4, stdinType: UInt8 = 5

    enum Verdict: Equatable {
        /// The params end within the bound (or the records are not params at all: libfcgi decides).
        case withinBound
        /// More params than the bound, pairs whose lengths do not add up, or params that did
        /// not come in time: close without reading.
        case refused
    }

    /// Peeks at the connection's pending records until the params end, the bound is passed,
    /// or the peer stops sending. `buffer` is the worker's own, reused across requests.
    func check(_ fd: Int32, buffer: inout [UInt8]) -> Verdict {
        var waited = 0
        var pause = 1
        var lastSeen = -1
        while true {
            let seen = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_PEEK)) }
            guard seen > 0 else { return seen == 0 ? .withinBound : .refused }  // EOF: libfcgi sees it; error: timeout
            switch scan(buffer, count: seen) {
            case .complete: return .withinBound
            case .tooLarge: return .refused
            case .incomplete:
                if seen == buffer.count {
                    // The buffer holds the bound's worth and more is pending: look further.
                    guard buffer.count < maxBytes + 64 * Self.headerSize + 65_536 else { return .refused }
                    buffer += [UInt8](repeating: 0, count: buffer.count)
                    continue
                }
                // Part of the params has come; wait for the rest, a little longer each time.
                if seen == lastSeen {
                    guard waited < timeoutMilliseconds else { return .refused }
                    usleep(UInt32(pause * 1000))
                    waited += pause
                    pause = min(pause * 2, 50)
                } else {
                    pause = 1
                }
                lastSeen = seen
            }
        }
    }

    private enum Scan { case complete, incomplete, tooLarge }

    /// Walks whole records: params so far against the bound; the empty params record ends them,
    /// and then the pairs they carry must add up.
    private func scan(_ bytes: [UInt8], count: Int) -> Scan {
        var offset = 0
        var paramsBytes = 0
        var contents: [Range<Int>] = []
        while offset + Self.headerSize <= count {
            let type = bytes[offset + 1]
            let length = Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5])
            let padding = Int(bytes[offset + 6])
            if type == Self.paramsType {
                if length == 0 { return Self.pairsAddUp(bytes, contents) ? .complete : .tooLarge }
                paramsBytes += length
                if paramsBytes > maxBytes { return .tooLarge }
                contents.append(offset + Self.headerSize..<offset + Self.headerSize + length)
            } else if type == Self.stdinType {
                // Out of order: libfcgi refuses it, after reading the pairs before it.
                return Self.pairsAddUp(bytes, contents) ? .complete : .tooLarge
            }
            offset += Self.headerSize + length + padding
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
