import CFastCGI
import Glibc

/// Reads a request whose begin and params came interleaved with another request id's records.
///
/// libfcgi reads a request's begin and params inside `FCGX_Accept_r` and skips other ids'
/// records, but a skipped record with no content (the empty `FCGI_PARAMS` that ends another
/// request's params, say) leaves its skip flag set (`FillBuffProc`, 2.4.2), so the next record
/// of the request being read loses its content: the first params record went, and a create
/// was answered 404. nginx never multiplexes; a peer that does must still change nothing for
/// the request served. So when the front door's look (`RequestArrival`) finds another id's
/// records before the params end, the worker takes those bytes off the socket itself, answers
/// each other `FCGI_BEGIN_REQUEST` with `FCGI_CANT_MPX_CONN` as libfcgi would, leaves the other
/// records out, and has libfcgi read the request's own begin and params from a pipe. The
/// connection is the request's again for its body (`StdinRecords`) and its answer. Management
/// records (request id 0) among them are left out unanswered: libfcgi would answer them into the
/// pipe, and no web server sends them in the middle of a request.
enum InterleavedParams {
    /// `FCGX_Accept_r` over the request's own records among the first `length` bytes pending on
    /// `request.ipcFd`. False when no request could be read: the connection is closed then, as
    /// `FCGX_Accept_r` closes it.
    static func accept(_ request: UnsafeMutablePointer<FCGX_Request>, through length: Int) -> Bool {
        let fd = request.pointee.ipcFd
        guard let pending = receive(length, from: fd), let own = ownRecords(of: pending, answeringOthersOn: fd),
              let pipeRead = pipe(holding: own) else {
            request.pointee.ipcFd = -1
            close(fd)
            return false
        }
        request.pointee.ipcFd = pipeRead
        let accepted = FCGX_Accept_r(request) == 0
        // Refused, libfcgi has closed the pipe itself.
        if accepted { close(pipeRead) } else { close(fd) }
        request.pointee.ipcFd = accepted ? fd : -1
        return accepted
    }

    /// The first `length` bytes on `fd`: all there already, the front door has looked at them.
    private static func receive(_ length: Int, from fd: Int32) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: length)
        var received = 0
        while received < length {
            let count = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { recv(fd, $0 + received, length - received, 0) } ?? -1
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            received += count
        }
        return bytes
    }

    /// The records of the request the first `FCGI_BEGIN_REQUEST` began (`RequestRecords`), in
    /// order; every second begin answered `FCGI_CANT_MPX_CONN` on `fd`.
    private static func ownRecords(of bytes: [UInt8], answeringOthersOn fd: Int32) -> [UInt8]? {
        var own: [UInt8] = []
        var records = RequestRecords()
        var offset = 0
        while let header = RecordHeader(bytes, at: offset, end: bytes.count) {
            let end = offset + header.recordLength
            guard end <= bytes.count else { return nil }
            switch records.owner(of: header) {
            case .own:
                own += bytes[offset..<end]
            case .secondBegin:
                RecordHeader.sendEndRequest(header.requestID, status: RecordHeader.cantMultiplex, on: fd)
            case .other, .management:
                break
            }
            offset = end
        }
        return own
    }

    /// A pipe's read end with `bytes` in it, all of them: nothing reads it before they are written.
    private static func pipe(holding bytes: [UInt8]) -> Int32? {
        var ends: [Int32] = [-1, -1]
        guard Glibc.pipe(&ends) == 0 else { return nil }
        defer { close(ends[1]) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let written = fcntl(ends[1], setPipeSize, Int32(max(bytes.count, 4096))) >= bytes.count
            && bytes.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) } == bytes.count
        guard written else {
            close(ends[0])
            return nil
        }
        return ends[0]
    }

    /// `F_SETPIPE_SZ`, which glibc declares only for `_GNU_SOURCE`.
    private static let setPipeSize: Int32 = 1031
}
