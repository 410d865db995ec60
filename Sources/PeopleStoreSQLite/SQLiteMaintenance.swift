import PeopleAPI
import Foundation
import GRDB
import Synchronization

/// One thread per process, with a connection of its own, that looks after the file off the
/// request path: checkpoints (and the WAL scrub after an erasure) every round, and sweeping
/// abandoned idempotency claims every `sweepEvery` seconds.
final class SQLiteMaintenance: @unchecked Sendable {
    let checkpointer: SQLiteCheckpointer
    private let connection: DatabaseQueue
    private let busyAllowance = BusyAllowance()

    init(path: String, interval: TimeInterval, rewindAfterFrames: Int, sweepEvery: TimeInterval = 5) throws {
        var configuration = Configuration()
        let allowance = busyAllowance
        configuration.busyMode = .callback { attempt in
            guard attempt < allowance.tries.load(ordering: .relaxed) else { return false }
            usleep(SQLiteDatabase.busyPollMicroseconds)
            return true
        }
        connection = try DatabaseQueue(path: path, configuration: configuration)
        checkpointer = SQLiteCheckpointer(rewindAfterFrames: rewindAfterFrames)
        let roundsPerSweep = max(1, Int(sweepEvery / interval))
        // The thread ends with the database that owns this object.
        let thread = Thread { [weak self, interval] in
            var round = 0
            while true {
                Thread.sleep(forTimeInterval: interval)
                guard let self else { return }
                round += 1
                self.runRound(sweepingClaims: round % roundsPerSweep == 0)
            }
        }
        thread.start()
        thread.name = "sqlite-maint"  // after `start()`, and 15 bytes at most (the kernel's limit for a thread's name)
    }

    private func runRound(sweepingClaims: Bool) {
        _ = try? connection.writeWithoutTransaction { db in
            checkpointer.round(on: db) { budget in busyAllowance.allow(budget.seconds) }
            if sweepingClaims {
                busyAllowance.allow(SQLiteCheckpointer.BusyBudget.rewind.seconds)
                try? ClaimSweeper.sweep(on: db)
            }
        }
    }
}

/// How long the maintenance connection's busy handler may poll for a lock, set before each step.
private final class BusyAllowance: Sendable {
    /// Tries of `SQLiteDatabase.busyPollMicroseconds` each.
    let tries = Atomic<Int>(0)

    func allow(_ seconds: Double) {
        tries.store(Int(seconds * 1_000_000) / Int(SQLiteDatabase.busyPollMicroseconds), ordering: .relaxed)
    }
}
