import CFastCGI
import Dispatch
import Glibc

/// The connections the front door holds between requests: one `epoll` set, and under one lock
/// the table of what each held descriptor waits for, since when, and its generation.
///
/// A descriptor number is reused as soon as it is closed, so every epoll event carries the
/// generation of the holding it was armed for, and the rule of this type is: **a held
/// descriptor is read, drained, re-armed or closed only by whoever has checked, under the lock,
/// that its generation is still the one they mean**. Arming happens under the lock (so no one
/// can close and reuse the number in between); a descriptor removed from the table under the
/// lock belongs to whoever removed it, who may read or close it outside.
final class ConnectionSet: @unchecked Sendable {
    enum WaitingFor {
        /// Armed until readable: a worker takes it.
        case request
        /// Part of a request's params has come: not armed (its bytes stay readable); the
        /// housekeeping thread looks at it until the params have ended (`ParamsArrivals`).
        case restOfParams
        /// Closing with input unread: armed, drained until the peer's EOF (`Closer`).
        case endOfInput
    }

    struct Held {
        /// When it started waiting (for its request, or for EOF while closing), in milliseconds.
        var since: Int, waitingFor: WaitingFor, generation: UInt32
        /// Kept by the web server between requests: closed to make room only after the others.
        var kept = false
        /// For params still arriving: when to look next, and the pause after that.
        var nextLook = 0, pause = 1
    }

    struct State {
        var held: [Int32: Held] = [:]
        var generation: UInt32 = 0
        var stopping = false, ended = false
        /// After `accept` ran out of descriptors with nothing to close: when to try again.
        var acceptingPausedUntil: Int?
    }

    enum Arming { case add, modify, none }

    let state = PlainLock(State())
    let epollFD: Int32
    /// The wake-up pipe: `wakeWrite` is written once, when the server has ended, and `wakeRead`
    /// is never read, so it stays readable and every worker's wait reports it.
    let wakeRead: Int32
    private let wakeWrite: Int32
    /// Wakes the housekeeping thread when something is due before its next look.
    let housekeepingBell = DispatchSemaphore(value: 0)

    init() throws {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        var pipeEnds: [Int32] = [-1, -1]
        guard epollFD >= 0, pipe(&pipeEnds) == 0 else {
            throw ServerError(description: "cannot set up epoll: \(String(cString: strerror(errno)))")
        }
        wakeRead = pipeEnds[0]
        wakeWrite = pipeEnds[1]
        for end in pipeEnds { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        arm(wakeRead, EPOLLIN.rawValue, generation: 0, .add)
    }

    deinit {
        close(epollFD)
        close(wakeRead)
        close(wakeWrite)
    }

    /// Readable (or hung up), reported once until the connection is armed again.
    static let oneReadableEvent = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue

    /// Holds `fd` with a new generation and arms it, both under the lock; `held` false (the caller
    /// still owns `fd`) once the server has ended, or when it is stopping and `refusedWhenStopping`
    /// (looked at only then). `count`: how many are held now.
    func hold(_ fd: Int32, since: Int, waitingFor: WaitingFor, arming: Arming, kept: Bool = false,
              refusedWhenStopping: @autoclosure () -> Bool = false) -> (held: Bool, count: Int) {
        state.withLock { state in
            guard !state.ended, !(state.stopping && refusedWhenStopping()) else { return (false, state.held.count) }
            state.generation &+= 1
            state.held[fd] = Held(since: since, waitingFor: waitingFor, generation: state.generation, kept: kept)
            if arming != .none { arm(fd, Self.oneReadableEvent, generation: state.generation, arming) }
            return (true, state.held.count)
        }
    }

    enum Claim { case request(since: Int), closing, stale }

    /// What an event is for: a request (the connection is taken out, the caller's now), a closing
    /// connection (still held: see `Closer.drain`), or nothing any more (closed meanwhile, its
    /// number perhaps reused: a newer holding has its own arming).
    func claim(_ fd: Int32, generation: UInt32) -> Claim {
        state.withLock { state in
            guard let held = state.held[fd], held.generation == generation else { return .stale }
            switch held.waitingFor {
            case .request:
                state.held.removeValue(forKey: fd)
                return .request(since: held.since)
            case .endOfInput: return .closing
            case .restOfParams: return .stale  // not armed: an event from before it was handed back
            }
        }
    }

    /// Waits up to a second for one event: its descriptor and generation, or nil (timeout, EINTR).
    func wait() -> (fd: Int32, generation: UInt32)? {
        var event = epoll_event()
        guard epoll_wait(epollFD, &event, 1, 1_000) == 1 else { return nil }
        return (Int32(truncatingIfNeeded: event.data.u64 & 0xFFFF_FFFF), UInt32(event.data.u64 >> 32))
    }

    /// Marks the end and wakes every worker: the set takes nothing more. Returns what was still
    /// held, taken out, for the caller to close.
    func end() -> [Int32] {
        let rest = state.withLock { state -> [Int32] in
            state.ended = true
            defer { state.held.removeAll() }
            return Array(state.held.keys)
        }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        return rest
    }

    /// Arms `fd`; the event carries the descriptor and the generation of its holding. For a held
    /// descriptor, call under the lock.
    func arm(_ fd: Int32, _ events: UInt32, generation: UInt32, _ arming: Arming) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd))
        epoll_ctl(epollFD, arming == .add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event)
    }

    /// Whether the peer has sent bytes not read yet (a request waiting, or input to drain).
    static func hasUnreadInput(_ fd: Int32) -> Bool {
        var unread: Int32 = 0
        return ioctl(fd, UInt(FIONREAD), &unread) == 0 && unread > 0
    }

    static func now() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1000 + time.tv_nsec / 1_000_000
    }
}
