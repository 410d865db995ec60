import CFastCGI
import Glibc
import Scoreboard

/// Accepting: the worker that the listening socket's event woke accepts every pending
/// connection, closes the ones the allowlist refuses, holds the rest in the set (each with its
/// own clock, started when it is accepted), and re-arms the socket.
///
/// The bound: at `bound` held connections, the one that has waited longest with nothing to read
/// is closed to make room (`FastCGIServer` sets the bound below the descriptor limit the process
/// actually has), and so when `accept` runs out of descriptors all the same (EMFILE, ENFILE: the
/// store's files, the workers' connections). A connection younger than the grace (50 ms; one kept
/// between requests, 1 s) is never closed so, nor one whose request is waiting to be read: a web
/// server's request follows its connect at once. With no connection to close, the socket is left unarmed for
/// `backOffMilliseconds`, the rest waiting in the backlog, and the housekeeping thread re-arms
/// it. Re-arming at once would report the same pending connection again and spin: started with
/// 48 descriptors and 80 connections, the responder burned 8.4 CPU-seconds in 5 s that way.
struct Acceptor: Sendable {
    let listenFD: Int32
    let set: ConnectionSet
    let allowedPeers: WebServerAddresses
    let bound: Int
    let connectionTimeoutSeconds: Int

    /// New connections wake one worker of this process, which accepts them all and re-arms:
    /// reported level-triggered to every waiter, each connection woke the whole pool (an
    /// invalid create cost 232 µs of CPU instead of 92).
    static let oneAcceptEvent = EPOLLIN.rawValue | EPOLLONESHOT.rawValue
    static let backOffMilliseconds = 10
    static let evictionGraceMilliseconds = 50
    /// A kept connection's grace: the web server may send on it at any moment, and a request
    /// sent on a connection closed meanwhile is lost (nginx retries no POST).
    static let keptEvictionGraceMilliseconds = 1_000
    /// Connections closed to make room for one run of accepts, before backing off instead.
    private static let evictionsPerRun = 16

    init(listenFD: Int32, set: ConnectionSet, allowedPeers: WebServerAddresses, configuration: ServerConfiguration) {
        self.listenFD = listenFD
        self.set = set
        self.allowedPeers = allowedPeers
        self.bound = max(1, configuration.maxConnections)
        self.connectionTimeoutSeconds = configuration.idleTimeoutSeconds
        // Several processes may share the socket (multiwatch): each accepts what it can,
        // without blocking when another took the connection first.
        _ = fcntl(listenFD, F_SETFL, fcntl(listenFD, F_GETFL) | O_NONBLOCK)
        set.arm(listenFD, Self.oneAcceptEvent, generation: 0, .add)
    }

    /// Accepts until nothing is pending, then re-arms the socket (unless backing off or stopping).
    func acceptAll() {
        var evictions = 0
        while true {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listenFD, $0, &length) }
            }
            guard fd >= 0 else {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    if evictions < Self.evictionsPerRun, let idle = removeLongestIdle() {
                        evictions += 1
                        close(idle)
                        continue
                    }
                    backOff()
                    return
                default:
                    rearm()  // EAGAIN: another worker or process took it, or nothing is left
                    return
                }
            }
            guard allowedPeers.admits(address) else {
                Metrics.connectionRefusedByAllowlist()
                close(fd)
                continue
            }
            ListeningSocket.setTimeouts(fd, seconds: connectionTimeoutSeconds)
            let (held, count) = set.hold(fd, since: ConnectionSet.now(), waitingFor: .request, arming: .add)
            if !held { close(fd) }
            // At the bound: room for the next one, or it waits in the backlog.
            if count >= bound {
                guard let idle = removeLongestIdle() else {
                    backOff()
                    return
                }
                close(idle)
            }
        }
    }

    /// Takes out, for the caller to close, the connection that has waited longest, past the grace
    /// and with nothing to read (looked at with `FIONREAD` on the few oldest only), one the web
    /// server keeps between requests only when no other can go; nil if none.
    private func removeLongestIdle() -> Int32? {
        let now = ConnectionSet.now()
        return set.state.withLock { state -> Int32? in
            var spared: [Int32] = []
            while spared.count < 4 {
                var oldest: (fd: Int32, held: ConnectionSet.Held)?
                for (fd, held) in state.held where !spared.contains(fd)
                    && now - held.since >= (held.kept ? Self.keptEvictionGraceMilliseconds : Self.evictionGraceMilliseconds) {
                    if let found = oldest?.held, (found.kept ? 1 : 0, found.since) <= (held.kept ? 1 : 0, held.since) { continue }
                    oldest = (fd, held)
                }
                guard let (fd, held) = oldest else { return nil }
                if held.waitingFor == .request, ConnectionSet.hasUnreadInput(fd) {
                    spared.append(fd)  // a worker is about to take it
                    continue
                }
                state.held.removeValue(forKey: fd)
                return fd
            }
            return nil
        }
    }

    func rearm() {
        let stopping = set.state.withLock { $0.stopping }
        if !stopping { set.arm(listenFD, Self.oneAcceptEvent, generation: 0, .modify) }
    }

    /// Out of descriptors, or at the bound, with nothing to close: left unarmed until the housekeeping
    /// thread's next look after the pause.
    private func backOff() {
        let until = ConnectionSet.now() + Self.backOffMilliseconds
        set.state.withLock { $0.acceptingPausedUntil = until }
        set.housekeepingBell.signal()
    }

    /// Called by the housekeeping thread: re-arms the socket once the pause is over; returns when
    /// to look again (`Int.max`: not paused).
    func resumeIfDue(now: Int) -> Int {
        let (resume, next) = set.state.withLock { state -> (Bool, Int) in
            guard let until = state.acceptingPausedUntil else { return (false, .max) }
            guard now >= until else { return (false, until) }
            state.acceptingPausedUntil = nil
            return (true, .max)
        }
        if resume { rearm() }
        return next
    }

    func stopAccepting() {
        epoll_ctl(set.epollFD, EPOLL_CTL_DEL, listenFD, nil)
    }
}
