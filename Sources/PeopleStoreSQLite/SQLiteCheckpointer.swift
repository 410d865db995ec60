import PeopleAPI
import GRDB
import Synchronization

/// Copies the WAL back into the database file, keeps the WAL from growing without end, and
/// cuts it away after an erasure. Runs on `SQLiteMaintenance`'s thread and connection.
///
/// SQLite's default is that the commit which takes the WAL past 1,000 pages runs the
/// checkpoint itself, holding every create of its batch (and every batch queued behind it)
/// while it copies those pages: the long tail of create latency. Here the writer never
/// checkpoints; each round a passive checkpoint, which waits for no lock and blocks no
/// writer, copies what it can.
///
/// A passive checkpoint alone is not enough under steady writes: SQLite writes the WAL from
/// its start again only when a write begins after a checkpoint has copied every frame, and
/// with a commit every millisecond or two one always lands while the checkpoint runs, so the
/// WAL only grew (500 MB in 12 s of creates, every new block zeroed by the file system on the
/// way). So when the WAL has grown since the last round and is longer than
/// `rewindAfterFrames`, a RESTART checkpoint takes the write lock just long enough to copy
/// the few frames written since and make the next commit start the WAL over. Processes
/// sharing the file each run one; one at a time wins, the others find it busy and try again
/// next round.
///
/// An erasure zeroes the person's bytes in the pages it writes (`secure_delete`), but the
/// WAL still holds the frames of the commits that wrote the person, until later commits
/// happen to write over them: on a quiet site, for days. So an erasure asks for a scrub, and
/// the next round runs a TRUNCATE checkpoint: every frame copied into the database file (the
/// person's pages there replaced by their zeroed versions), then the WAL cut to nothing. It
/// needs the write lock and no reader on an old snapshot (reads here are single statements),
/// so under load it may find them busy for a round or two: it tries again each round until
/// it succeeds, with a longer wait than the RESTART's.
final class SQLiteCheckpointer: @unchecked Sendable {
    private let rewindAfterFrames: Int
    /// The WAL's length after the previous round; only the maintenance thread touches it.
    private var framesLastRound = 0
    /// Scrubs asked for, and how many of them the last successful TRUNCATE covered.
    private let scrubsRequested = Atomic<Int>(0)
    private var scrubsDone = 0

    init(rewindAfterFrames: Int) {
        self.rewindAfterFrames = rewindAfterFrames
    }

    /// Called after an erasure commits: the WAL is cut away by the next round that can.
    func requestScrub() {
        scrubsRequested.add(1, ordering: .releasing)
    }

    /// True while an erasure's frames may still be in the WAL.
    var scrubPending: Bool { scrubsRequested.load(ordering: .acquiring) != scrubsDone }

    /// One round. Busy (another process is checkpointing, a batch is committing) or any other
    /// failure: the next round retries. `waiting` sets how long the lock may be waited for.
    func round(on db: Database, waiting: (BusyBudget) -> Void) {
        let requested = scrubsRequested.load(ordering: .acquiring)
        if requested != scrubsDone {
            waiting(.scrub)
            if (try? db.checkpoint(.truncate)) != nil {
                scrubsDone = requested
                framesLastRound = 0
            }
            return
        }
        waiting(.rewind)
        _ = try? passiveThenRewind(on: db)
    }

    private func passiveThenRewind(on db: Database) throws {
        let frames = try db.checkpoint(.passive).walFrameCount
        // A WAL no one wrote to since the last round is all copied now, and the next commit
        // starts it over by itself: a read-only hour takes no write lock, waits on no reader.
        defer { framesLastRound = frames }
        if frames > rewindAfterFrames, frames != framesLastRound {
            try db.checkpoint(.restart)
        }
    }

    /// How long a round may wait for the write lock and for readers: a RESTART only for the
    /// batch being committed; a scrub longer, since it must succeed within seconds under load.
    enum BusyBudget {
        case rewind, scrub

        var seconds: Double {
            switch self {
            case .rewind: 0.1
            case .scrub: 1
            }
        }
    }
}
