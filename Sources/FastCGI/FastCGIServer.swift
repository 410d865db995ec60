import HTTPMessages

import CFastCGI
import Foundation
import Logging
import Synchronization

/// A fixed pool of worker threads, each with its own `FCGX_Request`, accepting on one socket.
///
/// No lock is held around `FCGX_Accept_r`: Linux `accept` is thread-safe, and a lock
/// would stall every worker behind one slow or kept connection.
public final class FastCGIServer: Sendable {
    private let configuration: ServerConfiguration
    private let handler: any RequestHandler
    private let logger: Logger
    private let listenFD = Atomic<Int32>(-1)
    private let stopping = Atomic<Bool>(false)
    /// Per worker, the kept connection it is waiting on for a next request, if any:
    /// `stop()` ends those waits, since no `accept` will wake them.
    private let idleKeptConnections = Mutex<[Int: Int32]>([:])

    public init(configuration: ServerConfiguration, handler: any RequestHandler, logger: Logger) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
    }

    /// Opens the socket; call before `run` so that a bad address fails fast.
    public func bind() throws {
        // libfcgi installs its own SIGPIPE handler only where the disposition is the
        // default; a peer that hangs up must cost one write, not the process.
        signal(SIGPIPE, SIG_IGN)
        guard FCGX_Init() == 0 else { throw ServerError(description: "FCGX_Init failed") }
        listenFD.store(try ListeningSocket.open(configuration), ordering: .sequentiallyConsistent)
    }

    /// Serves until `stop()`; in-flight requests finish before it returns.
    public func run() {
        let finished = DispatchGroup()
        for index in 0..<max(1, configuration.workerCount) {
            finished.enter()
            let thread = Thread { [self] in
                serveRequests(worker: index)
                finished.leave()
            }
            thread.name = "fcgi-worker-\(index)"
            thread.stackSize = 4 << 20
            thread.start()
        }
        finished.wait()
    }

    /// Stops accepting. A socket this process opened is shut down, which wakes every worker
    /// blocked in `accept` at once. An inherited one (spawn-fcgi, multiwatch, systemd) is
    /// shared with the other responders and the next one to start: shutting it down would
    /// stop them all, so the workers notice the stop when `accept` next wakes (within
    /// `ListeningSocket.acceptWakeSeconds`) while the others go on accepting.
    public func stop() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        FCGX_ShutdownPending()
        let fd = listenFD.load(ordering: .sequentiallyConsistent)
        if fd >= 0, ListeningSocket.isOwned(configuration.address) { shutdown(fd, Int32(SHUT_RDWR)) }
        // A worker idle on a kept connection is woken by ending its read; the response
        // direction stays open for a request that has just arrived.
        idleKeptConnections.withLock { idle in
            for connection in idle.values { shutdown(connection, Int32(SHUT_RD)) }
        }
    }

    public var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    private func serveRequests(worker: Int) {
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        defer { request.deallocate() }
        guard FCGX_InitRequest(request, listenFD.load(ordering: .sequentiallyConsistent), 0) == 0 else {
            logger.critical("FCGX_InitRequest failed")
            return
        }
        defer { FCGX_Free(request, 1) }
        while !isStopping {
            let kept = request.pointee.ipcFd
            if kept >= 0 {
                idleKeptConnections.withLock { $0[worker] = kept }
                if isStopping { break }
            }
            let accepted = FCGX_Accept_r(request)
            if kept >= 0 { _ = idleKeptConnections.withLock { $0.removeValue(forKey: worker) } }
            if accepted < 0 {
                // A connection that failed mid-request (a silent peer's read timeout, a
                // protocol error) is still open: libfcgi would read from it again.
                if request.pointee.ipcFd >= 0 { FCGX_Free(request, 1) }
                if isStopping { break }
                // EAGAIN is the idle timeout waking `accept`; EINTR a signal. Anything
                // else (EMFILE, say) gets a short pause instead of a hot loop.
                let code = -accepted
                if code != EAGAIN && code != EINTR && code != EWOULDBLOCK {
                    logger.warning("accept failed", metadata: ["errno": "\(code)"])
                    usleep(10_000)
                }
                continue
            }
            // Unix sockets do not inherit the listener's timeouts: give every accepted
            // connection its own, so a peer that stalls mid-body, or sits on a kept
            // connection, releases its worker.
            ListeningSocket.setTimeouts(request.pointee.ipcFd, seconds: configuration.idleTimeoutSeconds)
            serve(request)
            FCGX_Finish_r(request)
        }
    }

    /// `FCGI_RESPONDER` in the FastCGI specification (Debian ships no `fastcgi.h`).
    private static let responderRole: Int32 = 1
    /// `FCGI_END_REQUEST` and its protocol status `FCGI_UNKNOWN_ROLE`.
    private static let endRequestType: UInt8 = 3, unknownRoleStatus: UInt8 = 3

    /// Answers `FCGI_END_REQUEST` with `FCGI_UNKNOWN_ROLE`, as the FastCGI specification says
    /// (§5.5). libfcgi would end the request with `REQUEST_COMPLETE` and no output, which a
    /// web server configured by mistake would read as an empty success; so the record is
    /// written here, and libfcgi's streams are marked closed so that it adds nothing.
    private func refuseRole(_ request: UnsafeMutablePointer<FCGX_Request>) {
        request.pointee.keepConnection = 0
        let id = UInt16(truncatingIfNeeded: request.pointee.requestId)
        let record: [UInt8] = [1, Self.endRequestType, UInt8(id >> 8), UInt8(id & 0xFF), 0, 8, 0, 0,
                               0, 0, 0, 0, Self.unknownRoleStatus, 0, 0, 0]
        _ = record.withUnsafeBytes { write(request.pointee.ipcFd, $0.baseAddress, $0.count) }
        for stream in [request.pointee.out, request.pointee.err] { stream?.pointee.wasFCloseCalled = 1 }
    }

    private func serve(_ request: UnsafeMutablePointer<FCGX_Request>) {
        // libfcgi hands AUTHORIZER and FILTER requests over like any other: refuse them.
        guard request.pointee.role == Self.responderRole, let out = request.pointee.out else {
            refuseRole(request)
            return
        }
        let incoming = RequestReader.read(request, maxBodySize: configuration.maxBodySize)
        if incoming.body.bytes == nil {
            // The rest of the body was never read: this connection cannot carry another request.
            request.pointee.keepConnection = 0
        }
        let response = handler.handle(incoming)
        ResponseWriter.write(response, to: out)
    }
}
