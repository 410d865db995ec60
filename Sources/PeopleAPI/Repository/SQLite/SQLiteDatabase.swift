import Foundation
import GRDB

/// The one owner of an SQLite file's connections: the writer pool (WAL, one serialised
/// writer), the read-only readers, the migrations, and the translation of SQLite's
/// failures into the store's terms. Every SQLite store works through one of these.
public final class SQLiteDatabase: Sendable {
    let writer: DatabasePool
    let readers: SQLiteReaders
    private let maintenance: SQLiteMaintenance
    /// The key that signs list cursors: created once with the schema, shared by every
    /// process on this file, so a cursor issued by one is honoured by all.
    let cursorSigningKey: [UInt8]

    /// Opens (creating if missing) the database file and brings its schema up to date.
    /// `checkpointInterval` and `rewindWALAfterFrames` are `SQLiteMaintenance`'s (tests shorten them).
    public init(path: String, busyTimeout: TimeInterval = 2, checkpointInterval: TimeInterval = 0.25,
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
        writer = try DatabasePool(path: path, configuration: configuration)
        try writer.writeWithoutTransaction { db in try SQLiteDurability.enforce(on: db) }
        try SQLiteSchema.migrator.migrate(writer)
        readers = SQLiteReaders(path: path, busyTimeout: busyTimeout)
        maintenance = try SQLiteMaintenance(path: path, interval: checkpointInterval, rewindAfterFrames: rewindWALAfterFrames)
        cursorSigningKey = try writer.read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM server_secret WHERE name = 'cursor'").map { [UInt8]($0) } ?? []
        }
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
        maintenance.checkpointer.requestScrub()
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
