import CScoreboard
import Glibc

/// The hooks the server and the application call: each is one or a few relaxed atomic adds on
/// this process's slot, no lock, no allocation, no branch on whether a file is attached (until
/// `attach`, the slot is one of a private in-memory scoreboard).
public enum Metrics {
    /// Set once by `attach`, before any worker thread starts; read-only afterwards.
    nonisolated(unsafe) public private(set) static var board = alone
    nonisolated(unsafe) static var words = alone.slot(0)
    /// This process alone, in private memory, its one slot claimed.
    private static let alone: Scoreboard = {
        let board = Scoreboard.inMemory()
        _ = board.claimSlot(workers: 0)
        return board
    }()
    /// The build's version and store kind, for `people_api_build_info`.
    nonisolated(unsafe) public static var buildInfo = BuildInfo(version: "unknown", store: "unknown")

    /// Takes a slot of the host's scoreboard file for this process; call once at start, before
    /// the workers start. Without a free slot (every one has a live owner), this process keeps
    /// counting in private memory and says so (the returned slot is nil).
    @discardableResult
    public static func attach(_ scoreboard: Scoreboard, workers: Int) -> Int? {
        guard let index = scoreboard.claimSlot(workers: workers) else { return nil }
        board = scoreboard
        words = scoreboard.slot(index)
        Sampler.start(words)
        return index
    }

    /// A clean stop: frees the slot for the next process, its counts kept.
    public static func detach() {
        board.releaseSlot()
    }

    @inline(__always) static func add(_ word: Int, _ value: UInt64 = 1) { scoreboard_add(words + word, value) }

    // MARK: FastCGI server

    @inline(__always) public static func workerBusy() { add(Layout.workersBusy) }
    @inline(__always) public static func workerIdle() { scoreboard_sub(words + Layout.workersBusy, 1) }
    /// The front door's housekeeping, each pass: connections it holds, and how many it closed for idleness.
    public static func frontDoor(held: Int, closedForIdleness: Int) {
        scoreboard_store(words + Layout.connectionsHeld, UInt64(max(0, held)))
        if closedForIdleness > 0 { add(Layout.connectionsClosedIdle, UInt64(closedForIdleness)) }
    }
    public static func connectionRefusedByAllowlist() { add(Layout.connectionsRefused) }

    // MARK: Application

    @inline(__always) public static func requestStarted() { add(Layout.inFlight) }

    /// A request answered: its route, method and status counted, its duration in the histogram.
    public static func requestEnded(route metricsRoute: MetricsRoute, method: String, status: Int, nanoseconds: UInt64) {
        scoreboard_sub(words + Layout.inFlight, 1)
        let route = metricsRoute.rawValue
        add(Layout.requestWord(route: route, method: Labels.method(method), status: Labels.status(status)))
        let histogram = Layout.durationWord(route: route)
        add(histogram + Labels.bucket(nanoseconds, Layout.durationBounds))
        add(histogram + Layout.durationBounds.count + 1, nanoseconds)
        add(histogram + Layout.durationBounds.count + 2)
    }

    /// A store commit of `creates` new people (SQLite's group commit: its batch).
    public static func storeCommitted(creates: Int) {
        add(Layout.commits)
        let histogram = Layout.batchHistogram
        add(histogram + Labels.bucket(UInt64(creates), Layout.batchBounds))
        add(histogram + Layout.batchBounds.count + 1, UInt64(creates))
        add(histogram + Layout.batchBounds.count + 2)
    }

    public static func storeUnavailable() { add(Layout.storeUnavailable) }
    public static func idempotentReplay() { add(Layout.idempotentReplays) }
    public static func idempotencyKeyInFlight() { add(Layout.keysInFlight) }
    public static func idempotencyKeyReused() { add(Layout.keysReused) }
}

public struct BuildInfo: Sendable {
    public var version: String
    public var store: String
    public init(version: String, store: String) {
        self.version = version
        self.store = store
    }
}

/// Label values to word indexes, on the request path: no allocation, no dictionary.
enum Labels {
    static func method(_ method: String) -> Int {
        switch method {
        case "GET": 0
        case "HEAD": 1
        case "POST": 2
        case "PUT": 3
        case "PATCH": 4
        case "DELETE": 5
        case "OPTIONS": 6
        default: 7
        }
    }

    static func status(_ status: Int) -> Int {
        Layout.statuses.firstIndex(of: status) ?? Layout.statuses.count
    }

    @inline(__always) static func bucket(_ value: UInt64, _ bounds: [UInt64]) -> Int {
        var index = 0
        while index < bounds.count, value > bounds[index] { index += 1 }
        return index
    }
}
