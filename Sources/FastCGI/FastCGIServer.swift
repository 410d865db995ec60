import HTTPMessages

import CFastCGI
import Foundation
import Logging
import Scoreboard
import Synchronization
import WorkerSlots

/// A fixed pool of worker threads behind a front door (`FrontDoor`): every connection waits in
/// one `epoll` set until it has a request to read; the idle workers wait on that set, and the
/// one the kernel wakes serves the request through its own `FCGX_Request` and gives the
/// connection back (kept by the web server) or has it closed. No worker ever waits on a silent
/// peer. A housekeeping thread closes silent connections and runs the stop.
public final class FastCGIServer: Sendable {
    private let configuration: ServerConfiguration
    private let handler: any RequestHandler
    private let logger: Logger
    private let listenFD = Atomic<Int32>(-1)
    private let stopping = Atomic<Bool>(false)
    private let frontDoor = Mutex<FrontDoor?>(nil)

    public init(configuration: ServerConfiguration, handler: any RequestHandler, logger: Logger) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
    }

    /// Reads the allowlist and opens the socket; call before `run`, so that a bad address or an
    /// unreadable `FCGI_WEB_SERVER_ADDRS` fails fast.
    public func bind() throws {
        let allowedPeers = try WebServerAddresses.fromEnvironment()
        // libfcgi installs its own SIGPIPE handler only where the disposition is the
        // default; a peer that hangs up must cost one write, not the process.
        signal(SIGPIPE, SIG_IGN)
        guard FCGX_Init() == 0 else { throw ServerError(description: "FCGX_Init failed") }
        let fd = try ListeningSocket.open(configuration)
        listenFD.store(fd, ordering: .sequentiallyConsistent)
        var doorConfiguration = configuration
        doorConfiguration.maxConnections = DescriptorLimit.connectionBound(configured: configuration.maxConnections,
                                                                           workers: configuration.workerCount)
        if doorConfiguration.maxConnections < configuration.maxConnections {
            logger.notice("holding fewer FastCGI connections than configured: the descriptor limit is lower",
                          metadata: ["max_connections": "\(doorConfiguration.maxConnections)",
                                     "open_file_limit": "\(DescriptorLimit.current())"])
        }
        let door = try FrontDoor(listenFD: fd, configuration: doorConfiguration, allowedPeers: allowedPeers)
        frontDoor.withLock { $0 = door }
    }

    /// Serves until `stop()`; in-flight requests finish before it returns.
    public func run() {
        guard let door = frontDoor.withLock({ $0 }) else { return }
        let finished = DispatchGroup()
        let slots = WorkerSlots(count: min(configuration.runningWorkers, configuration.workerCount))
        for index in 0..<max(1, configuration.workerCount) {
            finished.enter()
            start("fcgi-worker-\(index)") { [self] in
                slots.adoptOnThisThread()
                serveRequests(from: door, slots: slots)
                finished.leave()
            }
        }
        finished.enter()
        start("fcgi-housekeep") {
            door.run()
            finished.leave()
        }
        finished.wait()
        withExtendedLifetime(slots) {}
    }

    private func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.stackSize = 4 << 20
        thread.start()
        // The kernel's name (what `top -H`, `ps -L` and `perf` show), up to 15 bytes. Foundation
        // passes it on only once the thread has started: named from inside, a thread that ran
        // before `start()` returned kept the process's name (one in a few, measured).
        thread.name = String(name.prefix(15))
    }

    /// Stops accepting; requests already sent on accepted connections are still served. A
    /// socket this process opened is shut down; an inherited one (spawn-fcgi, multiwatch,
    /// systemd) is shared with the other responders and the next one to start, and stays open.
    public func stop() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        FCGX_ShutdownPending()
        let fd = listenFD.load(ordering: .sequentiallyConsistent)
        if fd >= 0, ListeningSocket.isOwned(configuration.address) { shutdown(fd, Int32(SHUT_RDWR)) }
        frontDoor.withLock { $0 }?.stop()
    }

    private func serveRequests(from door: FrontDoor, slots: WorkerSlots) {
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        defer { request.deallocate() }
        // No listening socket: this request only ever reads connections the front door hands it.
        guard FCGX_InitRequest(request, -1, 0) == 0 else {
            logger.critical("FCGX_InitRequest failed")
            return
        }
        let arrival = RequestArrival(maxParamsBytes: configuration.maxParamsBytes)
        var peeked = [UInt8](repeating: 0, count: 16 * 1024)
        // A slot before waiting for a connection, kept from request to request: only as many
        // workers take requests as there are slots, and a worker waiting on a disk sync lets
        // another take the next (`WorkerSlots`).
        while slots.takeForNextRequest(), let (fd, since) = door.nextConnection() {
            Metrics.workerBusy()
            defer { Metrics.workerIdle() }
            let interleavedThrough: Int?
            switch arrival.look(at: fd, buffer: &peeked) {
            case .arrived(let through):
                interleavedThrough = through
            case .arriving:
                // Only part of its params is here: the front door waits for the rest, not this worker.
                door.awaitRestOfParams(fd, since: since)
                continue
            case .refused:
                logger.warning("closed a FastCGI connection whose params passed the bound, or whose request stopped halfway",
                               metadata: ["max_params_bytes": "\(configuration.maxParamsBytes)"])
                close(fd)
                continue
            }
            request.pointee.ipcFd = fd
            // Kept, so that `FCGX_Accept_r`'s opening `FCGX_Finish_r` does not close it; libfcgi
            // sets it from the web server's FCGI_KEEP_CONN as it reads the request. Detached:
            // when libfcgi closes a connection itself (a protocol error), it closes at once.
            request.pointee.keepConnection = 1
            request.pointee.detached = 1
            let accepted = interleavedThrough.map { InterleavedParams.accept(request, through: $0) } ?? (FCGX_Accept_r(request) == 0)
            guard accepted else {
                // No request came (the peer closed, or broke the protocol): the connection is
                // closed (by libfcgi, whose fallback `accept` on no socket then failed, or by the repair).
                continue
            }
            serve(request)
            let keep = request.pointee.keepConnection != 0
            request.pointee.keepConnection = 1
            FCGX_Finish_r(request)
            // A write or read error made libfcgi close the connection already.
            guard request.pointee.ipcFd >= 0 else { continue }
            request.pointee.ipcFd = -1
            door.release(fd, keep: keep)
        }
        slots.giveBackIfHeld()
        FCGX_Free(request, 0)
    }

    /// `FCGI_RESPONDER` in the FastCGI specification (Debian ships no `fastcgi.h`).
    private static let responderRole: Int32 = 1

    /// Answers `FCGI_END_REQUEST` with `FCGI_UNKNOWN_ROLE`, as the FastCGI specification says
    /// (§5.5). libfcgi would end the request with `REQUEST_COMPLETE` and no output, which a
    /// web server configured by mistake would read as an empty success; so the record is
    /// written here, and libfcgi's streams are marked closed so that it adds nothing.
    private func refuseRole(_ request: UnsafeMutablePointer<FCGX_Request>) {
        request.pointee.keepConnection = 0
        RecordHeader.sendEndRequest(Int(request.pointee.requestId), status: RecordHeader.unknownRole, on: request.pointee.ipcFd)
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
