import PeopleAPI
import Scoreboard

/// People in a PostgreSQL database that any number of processes and hosts share. The
/// database decides every race: a unique index on the lower-cased email, the idempotency
/// record committed with its person, and a key's "in flight" state held as a transaction
/// advisory lock, which the server releases when the transaction ends or its connection dies.
public final class PersonPostgreSQLRepository: PersonRepository {
    private let database: PostgreSQLDatabase
    private let clock: IdempotencyClock

    public init(database: PostgreSQLDatabase, clock: IdempotencyClock = .system) {
        self.database = database
        self.clock = clock
    }

    public func cursorSigningKey() throws -> [UInt8] {
        try database.cursorSigningKey()
    }

    private static let insertPerson = PostgreSQLStatement(name: "insert_person", sql: """
        INSERT INTO person (id, name, email, email_key, age, created_at) VALUES ($1, $2, $3, $4, $5, $6)
        """)
    /// The person and the record of its key in one statement (and so one transaction step).
    private static let insertPersonWithKey = PostgreSQLStatement(name: "insert_person_with_key", sql: """
        WITH inserted AS (
            INSERT INTO person (id, name, email, email_key, age, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
        )
        INSERT INTO idempotency_key (key, fingerprint, person_id, created_at) SELECT $7, $8, id, $9 FROM inserted
        """)
    /// Fails at once, rather than waiting, when another transaction holds the key.
    private static let claimKey = PostgreSQLStatement(name: "claim_key", sql: """
        SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))
        """)
    private static let findKey = PostgreSQLStatement(name: "find_key", sql: """
        SELECT fingerprint, person_id FROM idempotency_key WHERE key = $1
        """)
    private static let findPerson = PostgreSQLStatement(name: "find_person", sql: """
        SELECT id, name, email, age, created_at FROM person WHERE id = $1
        """)
    private static let listPeople = PostgreSQLStatement(name: "list_people", sql: """
        SELECT sequence, id, name, email, age, created_at FROM person WHERE sequence < $1 ORDER BY sequence DESC LIMIT $2
        """)
    private static let erasePerson = PostgreSQLStatement(name: "erase_person", sql: "DELETE FROM person WHERE id = $1")
    /// The oldest expired records, skipping any another transaction is deleting right now.
    private static let expireKeys = PostgreSQLStatement(name: "expire_keys", sql: """
        DELETE FROM idempotency_key WHERE key IN (
            SELECT key FROM idempotency_key WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
        )
        """)

    public func create(_ submission: NewPerson, idempotency: IdempotencyRecord?) throws -> CreateOutcome {
        try Metrics.countingCommit(of: database.withConnection { connection in
            let person = Person(assigningIdentityTo: submission)
            let fields: [String?] = [person.id, person.name, person.email, submission.emailKey, person.age.map(String.init), person.createdAt]
            guard let idempotency else {
                // One statement is its own transaction: one round trip.
                try translatingConstraints { try connection.execute(Self.insertPerson, fields) }
                return .created(person)
            }
            return try connection.transaction {
                guard try connection.execute(Self.claimKey, [idempotency.key]).rows.first?.first == "t" else {
                    throw RepositoryError.idempotencyKeyInUse
                }
                if let stored = try connection.execute(Self.findKey, [idempotency.key]).rows.first {
                    return try idempotency.replay(storedFingerprint: stored[0],
                                                  person: try stored[1].flatMap { try fetchPerson(id: $0, on: connection) })
                }
                try translatingConstraints {
                    try connection.execute(Self.insertPersonWithKey,
                                           fields + [idempotency.key, idempotency.fingerprint, clock.timestamp()])
                }
                // Each keyed create clears a few expired records: the work stays bounded and keeps pace.
                try expire(limit: IdempotencyClock.expiredPerCreate, on: connection)
                return .created(person)
            }
        })
    }

    @discardableResult
    private func translatingConstraints<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgreSQLError where error.sqlState == "23505" && error.constraint == "person_email_key" {
            throw RepositoryError.emailTaken
        }
    }

    public func find(id: String) throws -> Person? {
        try database.withConnection { connection in try fetchPerson(id: id, on: connection) }
    }

    private func fetchPerson(id: String, on connection: PostgreSQLConnection) throws -> Person? {
        try connection.execute(Self.findPerson, [id]).rows.first.flatMap(Self.person(from:))
    }

    /// Newest first, by the sequence the database hands out at insert. Sequence values become
    /// visible out of order (a create that took 10 may commit after one that took 11), and
    /// the list is still never short of a person committed before a page was read: a page
    /// asks for everything below the previous page's last value, so a person committed since
    /// is either below it (and on this page or a later one) or above the pages already read,
    /// where a newest-first list puts what arrived after it was first read.
    public func list(limit: Int, after cursor: PageCursor?) throws -> PersonPage {
        try database.withConnection { connection in
            let rows = try connection.execute(Self.listPeople, [String(cursor?.sequence ?? Int64.max), String(limit + 1)]).rows
            let people: [PersonPage.Row] = rows.compactMap { row in
                guard let sequence = row[0].flatMap(Int64.init), let person = Self.person(from: Array(row.dropFirst())) else { return nil }
                return (person, sequence)
            }
            return PersonPage(newestFirst: people, limit: limit)
        }
    }

    public func erase(id: String) throws -> Bool {
        try database.withConnection { connection in try connection.execute(Self.erasePerson, [id]).affected > 0 }
    }

    public func expireIdempotencyRecords(limit: Int) throws -> Int {
        try database.withConnection { connection in try expire(limit: limit, on: connection) }
    }

    @discardableResult
    private func expire(limit: Int, on connection: PostgreSQLConnection) throws -> Int {
        try connection.execute(Self.expireKeys, [clock.expiryCutoff(), String(limit)]).affected
    }

    public func checkHealth() throws {
        try database.withConnection { connection in _ = try connection.execute("SELECT 1") }
    }

    private static func person(from row: [String?]) -> Person? {
        guard row.count == 5, let id = row[0], let name = row[1], let email = row[2], let createdAt = row[4] else { return nil }
        return Person(id: id, name: name, email: email, age: row[3].flatMap { Int($0) }, createdAt: createdAt)
    }
}

extension Metrics {
    /// Each create commits on its own here: a commit of one, when it created someone.
    fileprivate static func countingCommit(of outcome: CreateOutcome) -> CreateOutcome {
        if case .created = outcome { storeCommitted(creates: 1) }
        return outcome
    }
}
