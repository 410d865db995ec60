import CFastCGI
import Dispatch
import Glibc
import Scoreboard

/// Owns accepting and closing, so that a worker thread only ever gets a connection whose
/// request has begun, with its params in.
///
/// libfcgi binds an accepted connection to the thread that accepted it before a byte has
/// arrived: 200 silent peers held every worker, and a fresh health check waited 4.7 s; a
/// kept connection (`fastcgi_keep_conn`) held its worker between requests. Here every open
/// connection that is waiting for its next request sits in one `epoll` set with a deadline,
/// and the idle workers wait on that set themselves: the one the kernel wakes takes the
/// readable connection (or accepts new ones) and serves it, with no hand-off between threads,
/// and gives it back to the set when its request is done and the web server keeps it. libfcgi
/// still reads and writes every request: a worker sets the connection into its
/// `FCGX_Request` (`ipcFd`). A request whose params are still arriving comes back from the
/// worker and waits here too, out of the set, looked at again by the housekeeping thread,
/// which also closes silent connections and runs the stop.
///
/// Closing is ours too: libfcgi's `OS_Close` shuts the send side and then reads until EOF
/// or 2 s have passed, holding the worker; here a connection with nothing left unread is
/// closed at once, and one with unread input is shut down and drained as its bytes arrive.
final class FrontDoor: @unchecked Sendable {
    private enum WaitingFor {
        /// In the `epoll` set until readable: a worker takes it.
        case request
        /// Part of a request's params has come: out of the set (its bytes stay readable),
        /// looked at by the housekeeping thread until the params have ended (`RequestArrival`).
        case restOfParams
        /// Closing with input unread: in the set, drained until the peer's EOF.
        case endOfInput
    }

    private struct Held {
        /// When it started waiting (for its request, or for EOF while closing), in milliseconds.
        var since: Int
        var waitingFor: WaitingFor
        /// Which holding of this descriptor number an epoll event belongs to: a connection
        /// closed for idleness while its event was on the way may have had its number reused.
        var generation: UInt32
        /// For params still arriving: when to look next, and the pause after that.
        var nextLook = 0, pause = 1
    }

    private struct State {
        var held: [Int32: Held] = [:]
        var generation: UInt32 = 0
        var stopping = false
        var ended = false

        mutating func hold(_ fd: Int32, since: Int, waitingFor: WaitingFor) -> UInt32 {
            generation &+= 1
            held[fd] = Held(since: since, waitingFor: waitingFor, generation: generation)
            return generation
        }
    }

    private let listenFD: Int32
    private let epollFD: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let idleMilliseconds: Int
    private let connectionTimeoutSeconds: Int
    private let maxConnections: Int
    private let allowedPeers: WebServerAddresses
    private let state = PlainLock(State())
    private let housekeeping = DispatchSemaphore(value: 0)
    private let arrival: RequestArrival

    /// How long a closing connection may take to send its EOF before it is closed anyway.
    static let lingerMilliseconds = 2_000
    /// How long a stopping server still waits for requests on connections it already accepted.
    static let stopGraceMilliseconds = 1_000

    init(listenFD: Int32, configuration: ServerConfiguration, allowedPeers: WebServerAddresses) throws {
        self.listenFD = listenFD
        self.idleMilliseconds = max(1, configuration.idleTimeoutSeconds) * 1000
        self.connectionTimeoutSeconds = configuration.idleTimeoutSeconds
        self.maxConnections = configuration.maxConnections
        self.allowedPeers = allowedPeers
        self.arrival = RequestArrival(maxParamsBytes: configuration.maxParamsBytes)
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        var pipeEnds: [Int32] = [-1, -1]
        guard epollFD >= 0, pipe(&pipeEnds) == 0 else {
            throw ServerError(description: "cannot set up epoll: \(String(cString: strerror(errno)))")
        }
        wakeRead = pipeEnds[0]
        wakeWrite = pipeEnds[1]
        for end in pipeEnds { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        // Several processes may share the socket (multiwatch): each accepts what it can,
        // without blocking when another took the connection first.
        _ = fcntl(listenFD, F_SETFL, fcntl(listenFD, F_GETFL) | O_NONBLOCK)
        watch(listenFD, Self.oneAcceptEvent, generation: 0, add: true)
        // Written once, when the server has ended; never read: it wakes every waiting worker.
        watch(wakeRead, EPOLLIN.rawValue, generation: 0, add: true)
    }

    deinit {
        close(epollFD)
        close(wakeRead)
        close(wakeWrite)
    }

    // MARK: Workers

    /// The next connection with a request to read (and since when it has waited for it), or nil
    /// once the server has stopped and every connection accepted before the stop has been handed
    /// out. Idle workers all wait here, on the one set; the kernel wakes one of them per event.
    func nextConnection() -> (fd: Int32, since: Int)? {
        var event = epoll_event()
        while true {
            // The end is written to `wakeRead` and never read, so every worker's wait reports it:
            // the lock is taken only then, not once per request.
            guard epoll_wait(epollFD, &event, 1, 1_000) == 1 else { continue }  // timeout or EINTR
            let fd = Int32(truncatingIfNeeded: event.data.u64 & 0xFFFF_FFFF)
            if fd == wakeRead {
                if state.withLock({ $0.ended }) { return nil }
            } else if fd == listenFD {
                acceptAll(now: Self.now())
                rearmAccepting()
            } else if let taken = readable(fd, generation: UInt32(event.data.u64 >> 32)) {
                return taken
            }
        }
    }

    /// A worker is done with a connection: it waits for its next request here (the web server
    /// keeps it), or is closed.
    func release(_ fd: Int32, keep: Bool) {
        if keep, hold(fd, waitingFor: .request) { return }
        var unread: Int32 = 0
        if ioctl(fd, UInt(FIONREAD), &unread) == 0, unread == 0 {
            close(fd)
            return
        }
        // Input left unread: closing now would answer it with a reset, which can make the peer
        // drop the response it has not read yet. Shut the send side and drain until EOF.
        shutdown(fd, Int32(SHUT_WR))
        if !hold(fd, waitingFor: .endOfInput) { close(fd) }
    }

    /// A worker found only part of a request's params: the rest is waited for here, the
    /// deadline still counted from `since`, and the request goes back to a worker once they end.
    func awaitRestOfParams(_ fd: Int32, since: Int) {
        let held = state.withLock { state -> Bool in
            guard !state.ended else { return false }
            _ = state.hold(fd, since: since, waitingFor: .restOfParams)
            state.held[fd]?.nextLook = Self.now() + 1
            return true
        }
        if held { housekeeping.signal() } else { close(fd) }
    }

    /// Puts a connection back into the set, waiting for a request or (closing) for its EOF;
    /// false when the front door takes no more: stopping for a kept one, ended for any.
    private func hold(_ fd: Int32, waitingFor: WaitingFor) -> Bool {
        let generation = state.withLock { state -> UInt32? in
            guard waitingFor == .endOfInput ? !state.ended : !state.stopping else { return nil }
            return state.hold(fd, since: Self.now(), waitingFor: waitingFor)
        }
        guard let generation else { return false }
        watch(fd, Self.oneReadableEvent, generation: generation, add: false)
        return true
    }

    /// Readable (or hung up), reported once until the connection is put back.
    private static let oneReadableEvent = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue
    /// New connections wake one worker of this process, which accepts them all and re-arms:
    /// reported level-triggered to every waiter, each connection woke the whole pool (an
    /// invalid create cost 232 µs of CPU instead of 92).
    private static let oneAcceptEvent = EPOLLIN.rawValue | EPOLLONESHOT.rawValue

    private func rearmAccepting() {
        let stopping = state.withLock { $0.stopping }
        if !stopping { watch(listenFD, Self.oneAcceptEvent, generation: 0, add: false) }
    }

    private func acceptAll(now: Int) {
        while true {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listenFD, $0, &length) }
            }
            guard fd >= 0 else { return }  // EAGAIN: another worker or process took it, or nothing left
            guard allowedPeers.admits(address) else {
                Metrics.connectionRefusedByAllowlist()
                close(fd)
                continue
            }
            ListeningSocket.setTimeouts(fd, seconds: connectionTimeoutSeconds)
            let (generation, oldest) = state.withLock { state -> (UInt32, Int32?) in
                let generation = state.hold(fd, since: now, waitingFor: .request)
                guard state.held.count > maxConnections else { return (generation, nil) }
                let idle = state.held.filter { $0.key != fd }.min { $0.value.since < $1.value.since }?.key
                if let idle { state.held.removeValue(forKey: idle) }
                return (generation, idle)
            }
            // Over the bound: the connection that has waited longest makes room.
            if let oldest { close(oldest) }
            watch(fd, Self.oneReadableEvent, generation: generation, add: true)
        }
    }

    /// The connection, when it has a request to serve; nil when it was closing (drained here,
    /// closed at its EOF) or its event is stale (closed for idleness meanwhile).
    private func readable(_ fd: Int32, generation: UInt32) -> (fd: Int32, since: Int)? {
        let found = state.withLock { state -> Held? in
            guard let held = state.held[fd], held.generation == generation else { return nil }
            if held.waitingFor == .request { state.held.removeValue(forKey: fd) }
            return held
        }
        switch found?.waitingFor {
        case .request?: return found.map { (fd, $0.since) }
        case .endOfInput?: break
        case .restOfParams?, nil: return nil  // stale: params still arriving are not in the set
        }
        var sink = [UInt8](repeating: 0, count: 4096)
        let got = recv(fd, &sink, sink.count, Int32(MSG_DONTWAIT))
        if got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR)) {
            watch(fd, Self.oneReadableEvent, generation: generation, add: false)
        } else {
            _ = state.withLock { $0.held.removeValue(forKey: fd) }
            close(fd)
        }
        return nil
    }

    // MARK: Housekeeping, on a thread of its own

    func stop() {
        state.withLock { $0.stopping = true }
        housekeeping.signal()
    }

    /// Closes silent connections and looks at params still arriving until `stop()`, then stops
    /// accepting, gives the connections it holds a moment to send their request, closes the
    /// rest, and lets the workers end.
    func run() {
        var stopDeadline: Int?
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var nextLook = Int.max
        while true {
            let pause = min(100, max(1, nextLook - Self.now()))
            _ = housekeeping.wait(timeout: .now() + .milliseconds(pause))
            let now = Self.now()
            nextLook = lookAtArrivingParams(now: now, buffer: &buffer)
            if stopDeadline == nil, state.withLock({ $0.stopping }) {
                stopDeadline = now + Self.stopGraceMilliseconds
                epoll_ctl(epollFD, EPOLL_CTL_DEL, listenFD, nil)
            }
            let waitingForRequests = closeExpired(now: now, stopping: stopDeadline != nil)
            if let deadline = stopDeadline, waitingForRequests == 0 || now >= deadline {
                let rest = state.withLock { state -> [Int32] in
                    state.ended = true
                    defer { state.held.removeAll() }
                    return Array(state.held.keys)
                }
                rest.forEach { close($0) }
                var byte: UInt8 = 1
                _ = write(wakeWrite, &byte, 1)
                return
            }
        }
    }

    private enum AfterLook { case nothing, serve(generation: UInt32), close }

    /// Looks again at the params due to be looked at by now, a little less often each time
    /// (1 ms, doubling to 50): ended ones go back into the set, where they are readable at once
    /// and a worker takes them; refused ones are closed. Returns when to look next.
    private func lookAtArrivingParams(now: Int, buffer: inout [UInt8]) -> Int {
        let due = state.withLock { state in
            state.held.filter { $0.value.waitingFor == .restOfParams && $0.value.nextLook <= now }
                .map { (fd: $0.key, generation: $0.value.generation) }
        }
        for (fd, generation) in due {
            let verdict = arrival.look(at: fd, buffer: &buffer)
            let next = state.withLock { state -> AfterLook in
                guard var held = state.held[fd], held.generation == generation else { return .nothing }  // closed meanwhile
                switch verdict {
                case .arrived:
                    return .serve(generation: state.hold(fd, since: held.since, waitingFor: .request))
                case .arriving:
                    held.pause = min(held.pause * 2, 50)
                    held.nextLook = now + held.pause
                    state.held[fd] = held
                    return .nothing
                case .refused:
                    state.held.removeValue(forKey: fd)
                    return .close
                }
            }
            switch next {
            case .serve(let generation): watch(fd, Self.oneReadableEvent, generation: generation, add: false)
            case .close: close(fd)
            case .nothing: break
            }
        }
        return state.withLock { state in
            state.held.values.lazy.filter { $0.waitingFor == .restOfParams }.map(\.nextLook).min() ?? Int.max
        }
    }

    /// Closes connections silent past the idle timeout and closing ones past the linger;
    /// returns how many still wait for a request.
    private func closeExpired(now: Int, stopping: Bool) -> Int {
        let (expired, waiting) = state.withLock { state -> ([Int32], Int) in
            var expired: [Int32] = []
            var waiting = 0
            for (fd, held) in state.held {
                let closing = held.waitingFor == .endOfInput
                let limit = closing ? Self.lingerMilliseconds : idleMilliseconds
                if now - held.since >= limit {
                    expired.append(fd)
                } else if !closing {
                    waiting += 1
                }
            }
            for fd in expired { state.held.removeValue(forKey: fd) }
            return (expired, waiting)
        }
        expired.forEach { close($0) }
        Metrics.frontDoor(held: waiting, closedForIdleness: expired.count)
        return waiting
    }

    /// The event carries the descriptor and the generation of its holding.
    private func watch(_ fd: Int32, _ events: UInt32, generation: UInt32, add: Bool) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd))
        epoll_ctl(epollFD, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event)
    }

    private static func now() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1000 + time.tv_nsec / 1_000_000
    }
}
