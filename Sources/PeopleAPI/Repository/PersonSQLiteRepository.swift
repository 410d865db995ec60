import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode through GRDB's `DatabasePool`
/// (concurrent readers, one serialised writer). Each create is one transaction
/// holding the person and its idempotency key together.
public final class PersonSQLiteRepository: PersonRepository {
    private let pool: DatabasePool
    private let readers: SQLiteReaders
    private let writer: GroupCommitWriter

    /// Opens (creating if missing) the database file and brings its schema up to date.
    public init(path: String, busyTimeout: TimeInterval = 2) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            // WAL with NORMAL survives a crash of the process (not of the machine's power) with no fsync per commit.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        pool = try DatabasePool(path: path, configuration: configuration)
        try PersonSQLiteSchema.migrator.migrate(pool)
        readers = SQLiteReaders(path: path, busyTimeout: busyTimeout)
        writer = GroupCommitWriter(pool: pool)
    }

    public func create(_ submission: NewPerson, idempotency: IdempotencyRecord?) throws -> CreateOutcome {
        try translatingErrors {
            try writer.write { [self] db in
                if let idempotency, let replayed = try replay(idempotency, in: db) {
                    return .replayed(replayed)
                }
                let person = Person(assigningIdentityTo: submission)
                do {
                    try db.cachedStatement(sql: """
                        INSERT INTO person (id, name, email, email_key, age, created_at) VALUES (?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [person.id, person.name, person.email, submission.emailKey, person.age, person.createdAt])
                } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
                    && (error.message ?? "").contains("email_key") {
                    throw RepositoryError.emailTaken
                }
                if let idempotency {
                    try db.cachedStatement(sql: """
                        INSERT INTO idempotency_key (key, fingerprint, person_id, created_at) VALUES (?, ?, ?, ?)
                        """).execute(arguments: [idempotency.key, idempotency.fingerprint, person.id, person.createdAt])
                }
                return .created(person)
            }
        }
    }

    private func replay(_ idempotency: IdempotencyRecord, in db: Database) throws -> Person? {
        guard let stored = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT fingerprint, person_id FROM idempotency_key WHERE key = ?"),
            arguments: [idempotency.key]
        ) else { return nil }
        guard stored["fingerprint"] as String? == idempotency.fingerprint,
              let personID: String = stored["person_id"],
              let person = try fetchPerson(id: personID, in: db)
        else { throw RepositoryError.idempotencyKeyReused }
        return person
    }

    public func find(id: String) throws -> Person? {
        try translatingErrors {
            try readers.read { db in try fetchPerson(id: id, in: db) }
        }
    }

    private func fetchPerson(id: String, in db: Database) throws -> Person? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT id, name, email, age, created_at FROM person WHERE id = ?"),
            arguments: [id]
        ).map(Self.person(from:))
    }

    public func list(limit: Int, after cursor: PageCursor?) throws -> PersonPage {
        try translatingErrors {
            try readers.read { db in
                if let cursor {
                    let known = try Bool.fetchOne(
                        db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM person WHERE sequence = ? AND id = ?)"),
                        arguments: [cursor.sequence, cursor.personID]
                    ) ?? false
                    guard known else { throw RepositoryError.unknownCursor }
                }
                // One row more than asked tells whether another page follows.
                let rows = try Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT sequence, id, name, email, age, created_at FROM person
                        WHERE sequence < ? ORDER BY sequence DESC LIMIT ?
                        """),
                    arguments: [cursor?.sequence ?? Int64.max, limit + 1]
                )
                let page = rows.prefix(limit)
                let next = rows.count > limit ? page.last.map { PageCursor(sequence: $0["sequence"], personID: $0["id"]) } : nil
                return PersonPage(items: page.map(Self.person(from:)), next: next)
            }
        }
    }

    public func checkHealth() throws {
        try translatingErrors {
            _ = try readers.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        }
    }

    private static func person(from row: Row) -> Person {
        Person(id: row["id"], name: row["name"], email: row["email"], age: row["age"], createdAt: row["created_at"])
    }

    /// Store conditions a retry can cure become `.unavailable`; the rest stay unexpected.
    private func translatingErrors<T>(_ body: () throws -> T) throws -> T {
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
