import CFastCGI
import Glibc

/// Closing a connection a worker is done with, and the lingering close.
///
/// libfcgi's own `OS_Close` shuts the send side and then reads until EOF or 2 s have passed,
/// holding the worker. Here a connection with nothing left unread is closed at once; one with
/// unread input (a body refused at the limit) is shut down for sending and held in the set,
/// drained by whichever worker its readiness wakes, until the peer's EOF or the linger expiry
/// (closed by the housekeeping thread). Closing with input unread would answer it with a reset,
/// which can make the peer drop the response it has not read yet.
struct Closer: Sendable {
    let set: ConnectionSet

    /// How long a closing connection may take to send its EOF before it is closed anyway.
    static let lingerMilliseconds = 2_000

    /// Closes a connection the caller owns (a worker's, out of the set).
    func close(_ fd: Int32) {
        if !ConnectionSet.hasUnreadInput(fd) {
            Glibc.close(fd)
            return
        }
        shutdown(fd, Int32(SHUT_WR))
        let (held, _) = set.hold(fd, since: ConnectionSet.now(), waitingFor: .endOfInput, arming: .modify)
        if !held { Glibc.close(fd) }
    }

    /// A closing connection was reported readable: reads what has come, under the lock and only
    /// while the holding is still `generation`'s, and re-arms it; at EOF (or an error) it is taken
    /// out and closed.
    func drain(_ fd: Int32, generation: UInt32) {
        let finished = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { sink in
            set.state.withLock { state -> Bool in
                guard let held = state.held[fd], held.generation == generation, held.waitingFor == .endOfInput else {
                    return false  // closed meanwhile (linger expired, evicted): no longer ours to touch
                }
                let got = recv(fd, sink.baseAddress, sink.count, Int32(MSG_DONTWAIT))
                if got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR)) {
                    set.arm(fd, ConnectionSet.oneReadableEvent, generation: generation, .modify)
                    return false
                }
                state.held.removeValue(forKey: fd)
                return true
            }
        }
        if finished { Glibc.close(fd) }
    }
}
