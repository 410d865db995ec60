import PeopleAPI
import Foundation
import GRDB

/// The one owner of an SQLite database's connections: the writer (one serialised writer),
/// the read-only readers, the maintenance thread, the migrations, and the translation of
/// SQLite's failures into the store's terms. Every SQLite store works through one of these.
///
/// It takes its writer, as GRDB's demo `AppDatabase` does: a `DatabasePool` on a file in
/// production (`init(path:)`: WAL, each thread's own read-only connection, checkpoints), or a
/// `DatabaseQueue` in memory where one connection is the point (`inMemory()`: reads go
/// through the queue, and there is no WAL to look after).
public final class SQLiteDatabase: Sendable {
    let writer: any DatabaseWriter
    private let fileReaders: SQLiteReaders?
    private let maintenance: SQLiteMaintenance?
    /// The key that signs list cursors: created once with the schema, shared by every
    /// process on this file, so a cursor issued by one is honoured by all.
    let cursorSigningKey: [UInt8]

    /// Brings the writer's schema up to date and checks that it keeps every commit on disk.
    /// On a file (a `DatabasePool`), also opens the readers and starts the maintenance thread;
    /// `checkpointInterval` and `rewindWALAfterFrames` are `SQLiteMaintenance`'s (tests shorten them).
    public init(writer: any DatabaseWriter, busyTimeout: TimeInterval = 2, checkpointInterval: TimeInterval = 0.25,
                rewindWALAfterFrames: Int = 1_000) throws {
        self.writer = writer
        try writer.writeWithoutTransaction { db in try SQLiteDurability.enforce(on: db) }
        try SQLiteSchema.migrator.migrate(writer)
        if let pool = writer as? DatabasePool {
            fileReaders = SQLiteReaders(path: pool.path, busyTimeout: busyTimeout)
            maintenance = try SQLiteMaintenance(path: pool.path, interval: checkpointInterval, rewindAfterFrames: rewindWALAfterFrames)
        } else {
            fileReaders = nil
            maintenance = nil
        }
        cursorSigningKey = try writer.read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM server_secret WHERE name = 'cursor'").map { [UInt8]($0) } ?? []
        }
    }

    /// Opens (creating if missing, with its folder) the database file as a WAL pool.
    public convenience init(path: String, busyTimeout: TimeInterval = 2, checkpointInterval: TimeInterval = 0.25,
                            rewindWALAfterFrames: Int = 1_000) throws {
        var configuration = Configuration()
        configuration.busyMode = Self.pollingBusyMode(for: busyTimeout)
        configuration.prepareDatabase { db in
            // Commits never checkpoint: `SQLiteCheckpointer` does, off the write path.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // A WAL that grew while something kept it from starting over (a long read) is cut back to
            // 64 MiB when it does; below that it is written over in place, which costs the file system least.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try self.init(writer: try DatabasePool(path: path, configuration: configuration), busyTimeout: busyTimeout,
                      checkpointInterval: checkpointInterval, rewindWALAfterFrames: rewindWALAfterFrames)
    }

    /// A database that lives in memory, on one connection: for tests of what is not about files.
    public static func inMemory() throws -> SQLiteDatabase {
        try SQLiteDatabase(writer: try DatabaseQueue())
    }

    /// A read of one statement: on a file, on this thread's own read-only connection (no
    /// transaction, no lock); in memory, through the writer.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        if let fileReaders { return try fileReaders.read(body) }
        return try writer.read(body)
    }

    /// Waits for another process's write lock in steps of 200 µs, up to `timeout`.
    ///
    /// SQLite's own busy timeout sleeps 1, 2, 5, 10, … up to 100 ms between tries; a batch
    /// holds the write lock for about a millisecond, so with two responder processes a create
    /// that lost the race slept far longer than the lock was held: create p99 at 64
    /// connections was 53–118 ms with two processes against 20–26 ms with one.
    static func pollingBusyMode(for timeout: TimeInterval) -> Database.BusyMode {
        let tries = Int(timeout * 1_000_000) / Int(busyPollMicroseconds)
        return .callback { attempt in
            guard attempt < tries else { return false }
            usleep(busyPollMicroseconds)
            return true
        }
    }

    static let busyPollMicroseconds: UInt32 = 200

    /// An erasure committed: its person's frames are cut out of the WAL within a round or two.
    func erased() {
        maintenance?.checkpointer.requestScrub()
    }

    /// Store conditions a retry can cure become `.unavailable`; the rest stay unexpected.
    func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_READONLY, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_PROTOCOL, .SQLITE_NOMEM:
                throw RepositoryError.unavailable(error.description)
            default:
                throw error
            }
        }
    }
}
