import Foundation
import GRDB

/// Copies the WAL back into the database file from a thread and a connection of its own.
///
/// SQLite's default is that the commit which takes the WAL past 1,000 pages runs the
/// checkpoint itself, holding every create of its batch (and every batch queued behind it)
/// while it copies those pages: the long tail of create latency. Here the writer never
/// checkpoints; every `interval` a passive checkpoint, which waits for no lock and blocks no
/// writer, copies what it can. Processes sharing the file each run one; one at a time wins.
final class SQLiteCheckpointer: @unchecked Sendable {
    private let connection: DatabaseQueue
    private let interval: TimeInterval

    init(path: String, interval: TimeInterval = 0.25) throws {
        var configuration = Configuration()
        configuration.busyMode = .immediateError
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
        // The thread ends with the database that owns this checkpointer.
        let thread = Thread { [weak self, interval] in
            while true {
                Thread.sleep(forTimeInterval: interval)
                guard let self else { return }
                self.checkpoint()
            }
        }
        thread.name = "sqlite-checkpointer"
        thread.start()
    }

    private func checkpoint() {
        // Busy (another process is checkpointing) or any other failure: the next round retries.
        _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    }
}
