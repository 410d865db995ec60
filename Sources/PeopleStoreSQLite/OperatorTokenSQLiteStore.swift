import PeopleAPI
import Foundation
import GRDB

/// Operator tokens in the same SQLite file as the people they guard.
public final class OperatorTokenSQLiteStore: OperatorTokenStore {
    private let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public func addToken(name: String, digest: [UInt8], createdAt: String) throws {
        try database.translatingErrors {
            try database.writer.write { db in
                do {
                    try db.execute(sql: "INSERT INTO operator_token (name, digest, created_at) VALUES (?, ?, ?)",
                                   arguments: [name, Data(digest), createdAt])
                } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                    throw OperatorTokenError.nameTaken(name)
                }
            }
        }
    }

    public func tokenNames() throws -> [OperatorTokenListing] {
        try database.translatingErrors {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT name, created_at FROM operator_token ORDER BY created_at, name").map {
                    OperatorTokenListing(name: $0["name"], createdAt: $0["created_at"])
                }
            }
        }
    }

    public func revokeToken(name: String) throws -> Bool {
        try database.translatingErrors {
            try database.writer.write { db in
                try db.execute(sql: "DELETE FROM operator_token WHERE name = ?", arguments: [name])
                return db.changesCount > 0
            }
        }
    }

    public func tokenDigests() throws -> [(name: String, digest: [UInt8])] {
        try database.translatingErrors {
            try database.read { db in
                // Every operator request reads these: by position, from a cursor (no row copies).
                try Array(Row.fetchCursor(db.cachedStatement(sql: "SELECT name, digest FROM operator_token")).map { row in
                    (name: row[0] as String, digest: [UInt8](row[1] as Data))
                })
            }
        }
    }
}
