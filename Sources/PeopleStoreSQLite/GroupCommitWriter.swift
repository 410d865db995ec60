import PeopleAPI
import Dispatch
import GRDB
import Scoreboard
import Synchronization
import WorkerSlots

/// Runs writes from many threads as few transactions: whoever finds no batch in
/// progress leads, commits every write that is waiting in one transaction, and hands
/// the lead to the next waiter. A write's result is only released after its
/// transaction commits: when the commit fails, every write in the batch fails with it.
///
/// A write that throws must leave the database as it found it, so that it fails alone
/// (a duplicate email) and the rest of its batch commits. One statement is atomic by
/// itself in SQLite (a failed statement undoes only its own changes); a write of several
/// statements runs them in a savepoint of its own. A savepoint around every write cost
/// two statements more per create (`perf`: a tenth of a create's CPU).
///
/// Each commit appends the touched pages (table and indexes) to the WAL; sharing
/// them between the creates of a batch is what makes concurrent creates cheap.
final class GroupCommitWriter: Sendable {
    typealias Write = (Database) throws -> CreateOutcome

    /// One waiting write. Its fields are written by the leader before `signal()` and
    /// read by the owner after `wait()`, so the semaphore orders every access.
    private final class PendingWrite: @unchecked Sendable {
        let write: Write
        let ready = DispatchSemaphore(value: 0)
        var result: Result<CreateOutcome, any Error>?
        var leadsNextBatch = false

        init(_ write: @escaping Write) { self.write = write }
    }

    private struct Queue {
        var waiting: [PendingWrite] = []
        var batchInProgress = false
    }

    private let pool: any DatabaseWriter
    private let queue = Mutex(Queue())
    private let maxBatch: Int

    init(pool: any DatabaseWriter, maxBatch: Int = 64) {
        self.pool = pool
        self.maxBatch = maxBatch
    }

    func write(_ write: @escaping Write) throws -> CreateOutcome {
        let pending = PendingWrite(write)
        let leads = queue.withLock { queue in
            queue.waiting.append(pending)
            if queue.batchInProgress { return false }
            queue.batchInProgress = true
            return true
        }
        // Waiting for the batch, or committing it (mostly the WAL's sync), this worker gives its
        // slot to another request, which can then join the next batch.
        WorkerSlots.waitingOnIO {
            if !leads {
                pending.ready.wait()
                if pending.leadsNextBatch { lead(as: pending) }
            } else {
                lead(as: pending)
            }
        }
        guard let result = pending.result else { throw RepositoryError.unavailable("write was not run") }
        return try result.get()
    }

    /// Commits one batch, then passes the lead on (or ends it), then releases the batch.
    private func lead(as leader: PendingWrite) {
        let batch = queue.withLock { queue in
            let taken = Array(queue.waiting.prefix(maxBatch))
            queue.waiting.removeFirst(taken.count)
            return taken
        }
        commit(batch)
        let next = queue.withLock { queue -> PendingWrite? in
            guard let first = queue.waiting.first else {
                queue.batchInProgress = false
                return nil
            }
            return first
        }
        if let next {
            next.leadsNextBatch = true
            next.ready.signal()
        }
        for pending in batch where pending !== leader {
            pending.ready.signal()
        }
    }

    private func commit(_ batch: [PendingWrite]) {
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    for pending in batch {
                        do {
                            pending.result = .success(try pending.write(db))
                        } catch {
                            pending.result = .failure(error)
                            // Some errors (disk full, I/O) make SQLite roll the whole transaction
                            // back: the writes before this one are gone, and those after it would
                            // run outside any transaction. The batch fails as a whole.
                            guard db.isInsideTransaction else { throw error }
                        }
                    }
                    return .commit
                }
            }
            Metrics.storeCommitted(creates: batch.count(where: { if case .some(.success(.created)) = $0.result { true } else { false } }))
        } catch {
            // Nothing of this batch is stored: no write may report success.
            for pending in batch { pending.result = .failure(error) }
        }
    }
}
