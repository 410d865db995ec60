import CFastCGI
import Glibc

/// Requests whose params are still arriving (see `RequestArrival` for why a worker does not
/// wait for them): a worker that found only part of the params hands the connection back here;
/// it stays held, unarmed, and the housekeeping thread looks at it again — 1 ms later, then
/// doubling to every 50 ms — until the params have ended (armed again: readable at once, a
/// worker takes it), were refused (closed), or the idle timeout passes (closed by the
/// housekeeping thread, the clock still counted from when the connection began to wait).
struct ParamsArrivals: Sendable {
    let set: ConnectionSet
    let arrival: RequestArrival

    /// A worker found only part of a request's params.
    func awaitRest(_ fd: Int32, since: Int) {
        let nextLook = ConnectionSet.now() + 1
        let held = set.state.withLock { state -> Bool in
            guard !state.ended else { return false }
            state.generation &+= 1
            state.held[fd] = ConnectionSet.Held(since: since, waitingFor: .restOfParams, generation: state.generation,
                                                nextLook: nextLook)
            return true
        }
        if held { set.housekeepingBell.signal() } else { close(fd) }
    }

    /// Looks at the params due by `now`; returns when to look next. Each one looked at is taken
    /// out of the set under the lock first, so that no one closes it while it is read, and put
    /// back (or closed) after.
    func lookAtDue(now: Int, buffer: inout [UInt8]) -> Int {
        let due = set.state.withLock { state -> [(Int32, ConnectionSet.Held)] in
            let due = state.held.filter { $0.value.waitingFor == .restOfParams && $0.value.nextLook <= now }
            for fd in due.keys { state.held.removeValue(forKey: fd) }
            return due.map { ($0.key, $0.value) }
        }
        for (fd, held) in due {
            switch arrival.look(at: fd, buffer: &buffer) {
            case .arrived:
                let (kept, _) = set.hold(fd, since: held.since, waitingFor: .request, arming: .modify)
                if !kept { close(fd) }
            case .arriving:
                var later = held
                later.pause = min(held.pause * 2, 50)
                later.nextLook = now + later.pause
                let kept = set.state.withLock { state -> Bool in
                    guard !state.ended else { return false }
                    state.held[fd] = later  // unarmed: the generation is not in any event
                    return true
                }
                if !kept { close(fd) }
            case .refused:
                close(fd)
            }
        }
        return set.state.withLock { state in
            state.held.values.lazy.filter { $0.waitingFor == .restOfParams }.map(\.nextLook).min() ?? Int.max
        }
    }
}
