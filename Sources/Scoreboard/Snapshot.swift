import CScoreboard
import Glibc

/// The scoreboard summed at one moment: counters over every slot ever used (a dead process's
/// counts included), gauges over the slots of live processes only.
public struct Snapshot: Sendable {
    public struct Process: Sendable {
        public let slot: Int
        public let pid: UInt64
        public let startUnixSeconds: Double
        public let residentBytes: UInt64?
        public let workers: UInt64
        public let workersBusy: UInt64
        /// Requests its slot has answered, across the slot's owners.
        public let requests: UInt64
    }

    /// Summed words of a slot's layout.
    var words: [UInt64]
    /// The live processes, by slot.
    public var processes: [Process] = []
    /// Slots whose owner is dead without having released them: ended abnormally, not yet claimed again.
    var unclaimedDead: UInt64 = 0
    public var takenAt: UInt64 = 0

    public init(of board: Scoreboard) {
        words = [UInt64](repeating: 0, count: Layout.slotWords)
        takenAt = Clock.unixMilliseconds()
        board.withLock(LOCK_SH) {
            for index in 0..<Layout.slotCount {
                let slot = board.slot(index)
                let state = scoreboard_load(slot + Layout.state)
                if state == Layout.never { continue }
                let pid = slot[Layout.ownerPid]
                let alive = state == Layout.live && (board.path == nil || ProcessIdentity.isAlive(pid: pid, startTicks: slot[Layout.ownerStartTicks]))
                if state == Layout.live && !alive { unclaimedDead += 1 }
                for word in Layout.processesStarted..<Layout.ring where !Self.isGauge(word) || alive {
                    words[word] &+= scoreboard_load(slot + word)
                }
                if alive {
                    processes.append(Process(
                        slot: index, pid: pid, startUnixSeconds: Double(slot[Layout.startUnixMilliseconds]) / 1000,
                        residentBytes: ProcessIdentity.residentBytes(pid: pid), workers: slot[Layout.workers],
                        workersBusy: min(scoreboard_load(slot + Layout.workersBusy), slot[Layout.workers]),
                        requests: SlotTotals(slot).requests))
                }
            }
        }
    }

    static func isGauge(_ word: Int) -> Bool {
        word == Layout.inFlight || word == Layout.workersBusy || word == Layout.connectionsHeld
    }

    subscript(_ word: Int) -> UInt64 { words[word] }

    public var processesStarted: UInt64 { words[Layout.processesStarted] }
    public var processesEndedAbnormally: UInt64 { words[Layout.processesEndedAbnormally] &+ unclaimedDead }
    public var inFlight: UInt64 { words[Layout.inFlight] }
    public var workersBusy: UInt64 { processes.reduce(0) { $0 &+ $1.workersBusy } }
    public var workersIdle: UInt64 { processes.reduce(0) { $0 &+ ($1.workers - $1.workersBusy) } }
    public var connectionsOpen: UInt64 { words[Layout.connectionsHeld] &+ words[Layout.workersBusy] }
    public var commits: UInt64 { words[Layout.commits] }
    public var createsCommitted: UInt64 { words[Layout.batchHistogram + Layout.batchBounds.count + 1] }
    public var storeUnavailable: UInt64 { words[Layout.storeUnavailable] }

    /// Requests by status, all routes and methods.
    public var requestsByStatus: [(status: String, count: UInt64)] {
        var counts = [UInt64](repeating: 0, count: Layout.statusIndexCount)
        for route in 0..<Layout.routes.count {
            for method in 0..<Layout.methods.count {
                for status in 0..<Layout.statusIndexCount {
                    counts[status] &+= words[Layout.requestWord(route: route, method: method, status: status)]
                }
            }
        }
        return counts.enumerated().filter { $0.element > 0 }.map { (Self.statusLabel($0.offset), $0.element) }
    }

    static func statusLabel(_ index: Int) -> String {
        index < Layout.statuses.count ? String(Layout.statuses[index]) : "other"
    }
}
