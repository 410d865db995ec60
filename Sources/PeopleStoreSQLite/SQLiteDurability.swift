import PeopleAPI
import GRDB

/// The settings that make a commit's promise hold on disk, applied to the connection that
/// writes and checked there.
///
/// - `synchronous = FULL`: in WAL mode, each commit syncs the WAL before it returns, so a
///   201 or a 204 survives a power cut (with NORMAL, frames reach the disk only at the next
///   checkpoint: in a power-cut test, 10 to 217 of 300 acknowledged people were lost). The
///   group commit shares that one sync among every write of its batch.
/// - `secure_delete = ON`: SQLite overwrites a deleted row's bytes with zeros instead of
///   leaving them in the page's free space; Debian's build does not turn it on by default,
///   and an erasure must leave no byte of the person behind.
///
/// `DatabasePool` runs `PRAGMA synchronous = NORMAL` on its writer *after* the configuration's
/// `prepareDatabase`, so these are set once the pool is open, on its writer, and read back.
enum SQLiteDurability {
    static func enforce(on db: Database) throws {
        try db.execute(sql: "PRAGMA synchronous = FULL")
        try db.execute(sql: "PRAGMA secure_delete = ON")
        let (synchronous, secureDelete) = try current(on: db)
        // 2 is FULL (3 EXTRA is stronger still); secure_delete reads back 1 when on.
        guard synchronous >= 2, secureDelete == 1 else {
            throw DatabaseError(message: "the writer did not keep synchronous = FULL and secure_delete = ON "
                                + "(read back \(synchronous), \(secureDelete))")
        }
    }

    /// Runs a write transaction whose loss in a power cut is harmless (an idempotency claim, or
    /// its release: after a restart no create is in flight) without a sync of its own: its WAL
    /// frames reach the disk with the next commit that syncs. A keyed create then pays one sync,
    /// its group commit's, instead of two. The writer is back at FULL before this returns.
    static func writeUnsynced<T>(_ writer: any DatabaseWriter, _ body: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = OFF")
            var result: T?
            let outcome = Result { try db.inTransaction { result = try body(db); return .commit } }
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try outcome.get()
            guard let result else { throw DatabaseError(message: "the unsynced write ended without a result") }
            return result
        }
    }

    /// What the writer runs with now: `(synchronous, secureDelete)` as SQLite reports them.
    static func current(on db: Database) throws -> (synchronous: Int, secureDelete: Int) {
        (try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1, try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? -1)
    }
}
