import Foundation
import GRDB

/// Copies the WAL back into the database file from a thread and a connection of its own,
/// and keeps the WAL from growing without end.
///
/// SQLite's default is that the commit which takes the WAL past 1,000 pages runs the
/// checkpoint itself, holding every create of its batch (and every batch queued behind it)
/// while it copies those pages: the long tail of create latency. Here the writer never
/// checkpoints; every `interval` a passive checkpoint, which waits for no lock and blocks no
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
final class SQLiteCheckpointer: @unchecked Sendable {
    private let connection: DatabaseQueue
    private let interval: TimeInterval
    private let rewindAfterFrames: Int
    /// The WAL's length after the previous round; only the checkpointer's thread touches it.
    private var framesLastRound = 0

    init(path: String, interval: TimeInterval, rewindAfterFrames: Int) throws {
        var configuration = Configuration()
        // Only the RESTART waits: for the batch being committed, then for readers of old frames.
        configuration.busyMode = SQLiteDatabase.pollingBusyMode(for: 0.1)
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
        self.rewindAfterFrames = rewindAfterFrames
        // The thread ends with the database that owns this checkpointer.
        let thread = Thread { [weak self, interval] in
            while true {
                Thread.sleep(forTimeInterval: interval)
                guard let self else { return }
                self.checkpoint()
            }
        }
        thread.start()
        thread.name = "sqlite-checkpt"  // after `start()`, and 15 bytes at most (see FastCGIServer)
    }

    private func checkpoint() {
        // Busy (another process is checkpointing) or any other failure: the next round retries.
        _ = try? connection.writeWithoutTransaction { db in
            let frames = try db.checkpoint(.passive).walFrameCount
            // A WAL no one wrote to since the last round is all copied now, and the next commit
            // starts it over by itself: a read-only hour takes no write lock, waits on no reader.
            defer { framesLastRound = frames }
            if frames > rewindAfterFrames, frames != framesLastRound {
                try db.checkpoint(.restart)
            }
        }
    }
}
