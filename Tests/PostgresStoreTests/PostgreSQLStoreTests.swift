import Foundation
import Synchronization
import Testing
import PeopleAPI
@testable import PeopleStorePostgres
import StoreTestSupport

/// What only the PostgreSQL store has to show: several processes (here, several databases
/// objects with their own connections) starting and racing over one server, and the server's
/// own failures becoming `.unavailable` instead of a hang or a 500.
@Suite(.enabled(if: PostgreSQLTestServer.url != nil || PostgreSQLTestServer.isRequired, "no PostgreSQL test server"))
struct PostgreSQLStoreTests {
    private let person = NewPerson(name: "A", email: "a@example.com", age: nil)

    @Test func tenProcessesStartingAtOnceMigrateOnce() throws {
        let url = try PostgreSQLTestServer.freshDatabaseURL()
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 10) { _ in
            do { try PostgreSQLDatabase(url: url).open() } catch { failures.withLock { $0.append("\(error)") } }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let versions = try PostgreSQLConnection(keywords: ["dbname"], values: [url])
            .execute("SELECT version FROM schema_migration ORDER BY version").rows.compactMap { $0.first ?? nil }
        #expect(versions == PostgreSQLSchema.migrations.map { String($0.version) })
        // Every process signs cursors with the one key the first migration stored.
        #expect(try PostgreSQLDatabase(url: url).cursorSigningKey() == PostgreSQLDatabase(url: url).cursorSigningKey())
    }

    /// Another host's create holding a key is a transaction holding its advisory lock; when that
    /// host dies its connection closes, the server drops the lock, and the key is free.
    @Test func aKeyInFlightOnAnotherHostIsInUseUntilItsConnectionEnds() throws {
        let url = try PostgreSQLTestServer.freshDatabaseURL()
        let store = PersonPostgreSQLRepository(database: PostgreSQLDatabase(url: url))
        var otherHost: PostgreSQLConnection? = try PostgreSQLConnection(keywords: ["dbname"], values: [url])
        try otherHost?.execute("BEGIN")
        try otherHost?.execute("SELECT pg_advisory_xact_lock(hashtextextended('busy', 0))")
        #expect(throws: RepositoryError.idempotencyKeyInUse) {
            try store.create(person, idempotency: IdempotencyRecord(key: "busy", fingerprint: "f"))
        }
        #expect(try store.list(limit: 10, after: nil).items.isEmpty)
        _ = try store.create(NewPerson(name: "B", email: "b@example.com", age: nil), idempotency: IdempotencyRecord(key: "free", fingerprint: "f"))
        otherHost = nil
        // The server ends that session's transaction once it sees the connection gone, a moment
        // after the client closed it: wait for that (bounded), not for a fixed time.
        var outcome: CreateOutcome?
        for _ in 0..<500 where outcome == nil {
            do {
                outcome = try store.create(person, idempotency: IdempotencyRecord(key: "busy", fingerprint: "f"))
            } catch RepositoryError.idempotencyKeyInUse {
                usleep(10_000)
            }
        }
        guard case .created? = outcome else {
            Issue.record("the key stayed claimed after its owner's connection ended"); return
        }
    }

    @Test func aStatementThatRunsTooLongIsUnavailableNotAHang() throws {
        let url = try PostgreSQLTestServer.freshDatabaseURL()
        let store = PersonPostgreSQLRepository(database: PostgreSQLDatabase(url: url, statementTimeoutMilliseconds: 200))
        _ = try store.create(person, idempotency: nil)
        let locker = try PostgreSQLConnection(keywords: ["dbname"], values: [url])
        try locker.execute("BEGIN")
        try locker.execute("LOCK TABLE person IN ACCESS EXCLUSIVE MODE")
        #expect(throws: RepositoryError.self) { try store.list(limit: 10, after: nil) }
        do { _ = try store.list(limit: 10, after: nil) } catch RepositoryError.unavailable {} catch {
            Issue.record("expected unavailable, got \(error)")
        }
        try locker.execute("ROLLBACK")
        #expect(try store.list(limit: 10, after: nil).items.count == 1)
    }

    @Test func noConnectionLeftIsUnavailable() throws {
        let url = try PostgreSQLTestServer.freshDatabaseURL()
        _ = try PersonPostgreSQLRepository(database: PostgreSQLDatabase(url: url)).create(person, idempotency: nil)
        let role = "limited_" + UUID().uuidString.prefix(8).lowercased()
        // Not a superuser: the limit does not bind superusers.
        try PostgreSQLTestServer.administer("CREATE ROLE \(role) LOGIN CONNECTION LIMIT 1")
        let limitedURL = url.replacingOccurrences(of: "user=people_api", with: "user=\(role)")
        let holder = try PostgreSQLConnection(keywords: ["dbname"], values: [limitedURL])
        let store = PersonPostgreSQLRepository(database: PostgreSQLDatabase(url: limitedURL))
        do {
            _ = try store.find(id: PersonID.generate())
            Issue.record("a second connection was allowed")
        } catch RepositoryError.unavailable {} catch {
            Issue.record("expected unavailable, got \(error)")
        }
        withExtendedLifetime(holder) {}
    }

    @Test func aServerThatCannotBeReachedIsUnavailable() throws {
        let store = PersonPostgreSQLRepository(database: PostgreSQLDatabase(url: "postgresql:///people?host=/nonexistent&port=1"))
        #expect(throws: RepositoryError.self) { try store.checkHealth() }
        do { try store.checkHealth() } catch RepositoryError.unavailable {} catch { Issue.record("expected unavailable, got \(error)") }
    }

    /// A server restart ends every idle connection; the next operation notices and reconnects.
    @Test func aConnectionTheServerEndedIsReplaced() throws {
        let url = try PostgreSQLTestServer.freshDatabaseURL()
        let store = PersonPostgreSQLRepository(database: PostgreSQLDatabase(url: url))
        try store.checkHealth()
        try PostgreSQLConnection(keywords: ["dbname"], values: [url])
            .execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'people-api' AND datname = current_database()")
        // Terminated backends tell their clients and close; give the notice time to arrive.
        var healthy = false
        for _ in 0..<50 where !healthy {
            healthy = (try? store.checkHealth()) != nil
        }
        #expect(healthy)
        _ = try store.create(person, idempotency: nil)
    }
}
