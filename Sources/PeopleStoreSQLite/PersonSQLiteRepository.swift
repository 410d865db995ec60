import PeopleAPI
import GRDB

/// People in an SQLite file. Each create is one transaction holding the person and
/// its idempotency key together; an erasure removes both in one transaction.
public final class PersonSQLiteRepository: PersonRepository {
    private let database: SQLiteDatabase
    private let writer: GroupCommitWriter
    private let clock: IdempotencyClock

    public init(database: SQLiteDatabase, clock: IdempotencyClock = .system) {
        self.database = database
        self.writer = GroupCommitWriter(pool: database.writer)
        self.clock = clock
    }

    public func cursorSigningKey() throws -> [UInt8] { database.cursorSigningKey }

    /// A claim older than this is taken over even when its process lives on: that request is
    /// stuck or lost (nginx gives up on a request after 30 s). A claim whose process has ended
    /// is taken over at once.
    static let claimLapsesAfterMilliseconds: Int64 = 30_000

    public func create(_ submission: NewPerson, idempotency: IdempotencyRecord?) throws -> CreateOutcome {
        try database.translatingErrors {
            guard let key = idempotency?.key else { return try store(submission, idempotency: nil) }
            try claim(key)
            do {
                return try store(submission, idempotency: idempotency)
            } catch {
                // A failed create is not remembered: its claim goes too.
                _ = try? SQLiteDurability.writeUnsynced(database.writer) { db in try release(key, in: db) }
                throw error
            }
        }
    }

    /// Claims the key in the database, where every process sees it, in a transaction of its own
    /// (which holds SQLite's write lock, so two processes never take over one claim together).
    /// A claim held by a process that has ended, or older than the lapse, is taken over. A claim
    /// needs no sync of its own: lost in a power cut, it names a create that no longer runs.
    private func claim(_ key: String) throws {
        let now = Int64(Timestamp.milliseconds())
        let claimed = try SQLiteDurability.writeUnsynced(database.writer) { db -> Bool in
            try db.cachedStatement(sql: """
                INSERT INTO idempotency_claim (key, claimed_ms, owner) VALUES (?, ?, ?) ON CONFLICT(key) DO NOTHING
                """).execute(arguments: [key, now, ClaimOwner.current])
            if db.changesCount == 1 { return true }
            guard let held = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT claimed_ms, owner FROM idempotency_claim WHERE key = ?"), arguments: [key])
            else { return false }
            let owner: String? = held["owner"]
            let lapsed = (held["claimed_ms"] as Int64) < now - Self.claimLapsesAfterMilliseconds
            guard lapsed || owner.map({ !ClaimOwner.isAlive($0) }) == true else { return false }
            try db.cachedStatement(sql: "UPDATE idempotency_claim SET claimed_ms = ?, owner = ? WHERE key = ?")
                .execute(arguments: [now, ClaimOwner.current, key])
            return true
        }
        guard claimed else { throw RepositoryError.idempotencyKeyInUse }
    }

    private func release(_ key: String, in db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM idempotency_claim WHERE key = ?").execute(arguments: [key])
    }

    /// The person and (with a key) its idempotency record, committed together; the claim ends in the same transaction.
    private func store(_ submission: NewPerson, idempotency: IdempotencyRecord?) throws -> CreateOutcome {
        try writer.write { [self] db in
            // One statement fails alone (see `GroupCommitWriter`); a keyed create's several
            // statements run in a savepoint, so that a failure leaves none of them behind.
            guard let idempotency else { return .created(try insert(submission, in: db)) }
            var outcome: CreateOutcome?
            try db.inSavepoint {
                try release(idempotency.key, in: db)
                if let replayed = try replay(idempotency, in: db) {
                    outcome = .replayed(replayed)
                    return .commit
                }
                let person = try insert(submission, in: db)
                try db.cachedStatement(sql: """
                    INSERT INTO idempotency_key (key, fingerprint, person_id, created_at) VALUES (?, ?, ?, ?)
                    """).execute(arguments: [idempotency.key, idempotency.fingerprint, person.id, clock.timestamp()])
                // Each keyed create clears a few expired records: the work stays bounded and keeps pace.
                try expire(limit: IdempotencyClock.expiredPerCreate, in: db)
                outcome = .created(person)
                return .commit
            }
            guard let outcome else { throw RepositoryError.unavailable("the create's savepoint ended without an outcome") }
            return outcome
        }
    }

    private func insert(_ submission: NewPerson, in db: Database) throws -> Person {
        let person = Person(assigningIdentityTo: submission)
        do {
            try db.cachedStatement(sql: """
                INSERT INTO person (id, name, email, email_key, age, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [person.id, person.name, person.email, submission.emailKey, person.age, person.createdAt])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            && (error.message ?? "").contains("email_key") {
            throw RepositoryError.emailTaken
        }
        return person
    }

    private func replay(_ idempotency: IdempotencyRecord, in db: Database) throws -> Person? {
        guard let stored = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT fingerprint, person_id FROM idempotency_key WHERE key = ?"),
            arguments: [idempotency.key]
        ) else { return nil }
        let personID: String? = stored["person_id"]
        guard case .replayed(let person) = try idempotency.replay(
            storedFingerprint: stored["fingerprint"], person: try personID.flatMap { try fetchPerson(id: $0, in: db) })
        else { return nil }
        return person
    }

    public func find(id: String) throws -> Person? {
        try database.translatingErrors {
            try database.read { db in try fetchPerson(id: id, in: db) }
        }
    }

    private func fetchPerson(id: String, in db: Database) throws -> Person? {
        try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT \(Self.personColumns) FROM person WHERE id = ?"),
            arguments: [id]
        ).map(Self.person(from:)).next()
    }

    public func list(limit: Int, after cursor: PageCursor?) throws -> PersonPage {
        try database.translatingErrors {
            try database.read { db in
                // One row more than asked tells whether another page follows. A cursor whose
                // person was erased still names a position: the page starts right after it.
                let rows = try Array(Row.fetchCursor(
                    db.cachedStatement(sql: """
                        SELECT \(Self.personColumns), sequence FROM person
                        WHERE sequence < ? ORDER BY sequence DESC LIMIT ?
                        """),
                    arguments: [cursor?.sequence ?? Int64.max, limit + 1]
                ).map { row in (person: Self.person(from: row), sequence: row[5] as Int64) })
                return PersonPage(newestFirst: rows, limit: limit)
            }
        }
    }

    public func erase(id: String) throws -> Bool {
        try database.translatingErrors {
            let erased = try database.writer.write { db in
                // The copies first: each idempotency record refers to its person.
                try db.cachedStatement(sql: "DELETE FROM idempotency_key WHERE person_id = ?").execute(arguments: [id])
                try db.cachedStatement(sql: "DELETE FROM person WHERE id = ?").execute(arguments: [id])
                return db.changesCount > 0
            }
            // The deleted rows' bytes are zeroed in the pages just written (`secure_delete`);
            // the WAL frames that first wrote them go next (see `SQLiteCheckpointer`).
            if erased { database.erased() }
            return erased
        }
    }

    public func expireIdempotencyRecords(limit: Int) throws -> Int {
        try database.translatingErrors {
            try database.writer.write { db in try expire(limit: limit, in: db) }
        }
    }

    @discardableResult
    private func expire(limit: Int, in db: Database) throws -> Int {
        try db.cachedStatement(sql: """
            DELETE FROM idempotency_key WHERE key IN (
                SELECT key FROM idempotency_key WHERE created_at < ? ORDER BY created_at LIMIT ?
            )
            """).execute(arguments: [clock.expiryCutoff(), limit])
        return db.changesCount
    }

    public func checkHealth() throws {
        try database.translatingErrors {
            _ = try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        }
    }

    /// Read by position: by name, GRDB compares each column's name for every value read
    /// (`perf`: the largest part of a list's decoding). `person(from:)` follows this order.
    private static let personColumns = "id, name, email, age, created_at"

    /// A row of a cursor, read while it is current (no copy of the row and its column names).
    private static func person(from row: Row) -> Person {
        Person(id: row[0], name: row[1], email: row[2], age: row[3], createdAt: row[4])
    }
}
