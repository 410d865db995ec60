import CFastCGI
import Dispatch
import Glibc
import Scoreboard

/// The housekeeping thread: closes connections silent past the idle timeout and closing ones
/// past the linger, looks at params still arriving, re-arms accepting after a back-off, and
/// runs the stop: stops accepting, gives the connections already accepted a moment to send
/// their request, closes the silent ones, serves what was already sent on the others (for at
/// most as long again), closes the rest, and lets the workers end.
struct Housekeeper: Sendable {
    let set: ConnectionSet
    let acceptor: Acceptor
    let arrivals: ParamsArrivals
    let idleMilliseconds: Int

    /// How long a stopping server still waits for requests on connections it already accepted.
    static let stopGraceMilliseconds = 1_000

    func stop() {
        set.state.withLock { $0.stopping = true }
        set.housekeepingBell.signal()
    }

    /// Until the stop has ended; wakes at least every 100 ms.
    func run() {
        var stopDeadline: Int?
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var nextLook = Int.max
        while true {
            let pause = min(100, max(1, nextLook - ConnectionSet.now()))
            _ = set.housekeepingBell.wait(timeout: .now() + .milliseconds(pause))
            let now = ConnectionSet.now()
            nextLook = min(arrivals.lookAtDue(now: now, buffer: &buffer), acceptor.resumeIfDue(now: now))
            if stopDeadline == nil, set.state.withLock({ $0.stopping }) {
                stopDeadline = now + Self.stopGraceMilliseconds
                acceptor.stopAccepting()
            }
            let waitingForRequests = closeExpired(now: now)
            if let deadline = stopDeadline, waitingForRequests == 0 || now >= deadline {
                // Past the grace, silent connections go; a request already sent on one is still
                // served, for at most one grace more: nginx sends on a kept connection as soon as
                // the answer before has ended, and a request closed unread is lost.
                if now < deadline + Self.stopGraceMilliseconds, closeSilent() > 0 { continue }
                set.end().forEach { close($0) }
                return
            }
        }
    }

    /// Stopping, past the grace: closes the held connections with nothing to read; returns how
    /// many still hold a request (or part of its params) that a worker is about to take.
    private func closeSilent() -> Int {
        let (silent, pending) = set.state.withLock { state -> ([Int32], Int) in
            var silent: [Int32] = []
            var pending = 0
            for (fd, held) in state.held {
                switch held.waitingFor {
                case .request where !ConnectionSet.hasUnreadInput(fd): silent.append(fd)
                case .request, .restOfParams: pending += 1
                case .endOfInput: break
                }
            }
            for fd in silent { state.held.removeValue(forKey: fd) }
            return (silent, pending)
        }
        silent.forEach { close($0) }
        return pending
    }

    /// Closes connections silent past the idle timeout (their clock started when each was
    /// accepted, or handed back) and closing ones past the linger; returns how many still wait
    /// for a request. One whose request has come is not silent: it waits for a worker (all
    /// busy), and its event is on the way to one.
    private func closeExpired(now: Int) -> Int {
        let (expired, waiting) = set.state.withLock { state -> ([Int32], Int) in
            var expired: [Int32] = []
            var waiting = 0
            for (fd, held) in state.held {
                let closing = held.waitingFor == .endOfInput
                if now - held.since >= (closing ? Closer.lingerMilliseconds : idleMilliseconds), !Self.hasInput(fd, held) {
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

    private static func hasInput(_ fd: Int32, _ held: ConnectionSet.Held) -> Bool {
        held.waitingFor == .request && ConnectionSet.hasUnreadInput(fd)
    }
}
