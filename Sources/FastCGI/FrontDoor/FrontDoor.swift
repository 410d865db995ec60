import CFastCGI
import Glibc

/// Owns accepting and closing, so that no worker ever waits on a silent peer.
///
/// libfcgi binds an accepted connection to the thread that accepted it before a byte has
/// arrived: 200 silent peers held every worker, and a fresh health check waited 4.7 s; a
/// kept connection (`fastcgi_keep_conn`) held its worker between requests. Here every open
/// connection that is waiting for its next request sits in one `epoll` set with a deadline
/// (`ConnectionSet`), and the idle workers wait on that set themselves: the one the kernel
/// wakes takes the readable connection (or accepts new ones: `Acceptor`) and serves it, with no
/// hand-off between threads, and gives it back to the set when its request is done and the web
/// server keeps it, or has it closed (`Closer`). libfcgi still reads every request's begin and
/// params (from a pipe where another request's records came among them: `InterleavedParams`) and
/// writes every answer: a worker sets the connection into its `FCGX_Request` (`ipcFd`).
///
/// A readable connection may hold only part of its request's params: the worker hands it back
/// (`ParamsArrivals`) and the housekeeping thread looks at it until they have ended. That thread
/// (`Housekeeper`) also closes silent connections and runs the stop.
final class FrontDoor: Sendable {
    private let listenFD: Int32
    private let set: ConnectionSet
    private let acceptor: Acceptor
    private let closer: Closer
    private let arrivals: ParamsArrivals
    private let housekeeper: Housekeeper

    /// `configuration.maxConnections` is the bound on held connections (`FastCGIServer` keeps it
    /// below the descriptor limit).
    init(listenFD: Int32, configuration: ServerConfiguration, allowedPeers: WebServerAddresses) throws {
        self.listenFD = listenFD
        set = try ConnectionSet()
        acceptor = Acceptor(listenFD: listenFD, set: set, allowedPeers: allowedPeers, configuration: configuration)
        closer = Closer(set: set)
        arrivals = ParamsArrivals(set: set, arrival: RequestArrival(maxParamsBytes: configuration.maxParamsBytes))
        housekeeper = Housekeeper(set: set, acceptor: acceptor, arrivals: arrivals,
                                  idleMilliseconds: max(1, configuration.idleTimeoutSeconds) * 1000)
    }

    // MARK: Workers

    /// The next readable connection (and since when it has waited for its request), or nil once
    /// the server has ended. Idle workers all wait here, on the one set; the kernel wakes one of
    /// them per event. The lock is taken per event, not per wait: the end is seen only when the
    /// wake-up pipe reports it.
    func nextConnection() -> (fd: Int32, since: Int)? {
        while true {
            guard let (fd, generation) = set.wait() else { continue }  // timeout or EINTR
            if fd == set.wakeRead {
                if set.state.withLock({ $0.ended }) { return nil }
            } else if fd == listenFD {
                acceptor.acceptAll()
            } else {
                switch set.claim(fd, generation: generation) {
                case .request(let since): return (fd, since)
                case .closing: closer.drain(fd, generation: generation)
                case .stale: break
                }
            }
        }
    }

    /// A worker is done with a connection: it waits for its next request in the set (the web
    /// server keeps it), or is closed.
    ///
    /// Stopping, a kept connection is closed, unless the web server has already sent its next
    /// request on it: nginx takes a kept connection for a new request as soon as the answer on it
    /// has ended, and a request closed unread is lost (nginx retries no POST); so that request is
    /// served first. Only one sent between this look and the close can still be lost.
    func release(_ fd: Int32, keep: Bool) {
        if keep, set.hold(fd, since: ConnectionSet.now(), waitingFor: .request, arming: .modify, kept: true,
                          refusedWhenStopping: !ConnectionSet.hasUnreadInput(fd)).held {
            return
        }
        closer.close(fd)
    }

    /// A worker found only part of a request's params: the rest is waited for here, the
    /// deadline still counted from `since`, and the request goes back to a worker once they end.
    func awaitRestOfParams(_ fd: Int32, since: Int) {
        arrivals.awaitRest(fd, since: since)
    }

    // MARK: Housekeeping, on a thread of its own

    func stop() { housekeeper.stop() }

    func run() { housekeeper.run() }
}
