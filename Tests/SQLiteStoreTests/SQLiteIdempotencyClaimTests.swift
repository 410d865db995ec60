import Dispatch
import Foundation
import GRDB
import Synchronization
import Testing
import PeopleAPI
@testable import PeopleStoreSQLite
import StoreTestSupport

/// The in-flight claim of an `Idempotency-Key` lives in the SQLite file, where every responder
/// process sees it. `otherProcess` opens the same file as a second responder would.
@Suite struct SQLiteIdempotencyClaimTests {
    let path = TemporaryFolder.file("people.sqlite")

    private func claimAsAnotherProcess(_ key: String, agoMilliseconds: Int, owner: String? = nil) throws {
        let otherProcess = try SQLiteDatabase(path: path)
        try otherProcess.writer.write { db in
            try db.execute(sql: "INSERT INTO idempotency_claim (key, claimed_ms, owner) VALUES (?, ?, ?)",
                           arguments: [key, Timestamp.milliseconds() - agoMilliseconds, owner])
        }
    }

    /// The id of a process that has ended: a child that ran and was reaped.
    private func endedProcessID() throws -> Int32 {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        return child.processIdentifier
    }

    @Test func aClaimWhoseProcessEndedIsTakenOverAtOnce() throws {
        let database = try SQLiteDatabase(path: path)
        let store = PersonSQLiteRepository(database: database)
        try claimAsAnotherProcess("killed", agoMilliseconds: 0, owner: "\(try endedProcessID()):12345")
        guard case .created = try store.create(NewPerson(name: "A", email: "a@example.com", age: nil),
                                               idempotency: IdempotencyRecord(key: "killed", fingerprint: "f")) else {
            Issue.record("the claim of an ended process was not taken over"); return
        }
        #expect(try claims(database) == 0)
    }

    @Test func aClaimWhoseProcessLivesIsInUse() throws {
        let store = PersonSQLiteRepository(database: try SQLiteDatabase(path: path))
        try claimAsAnotherProcess("alive", agoMilliseconds: 0, owner: ClaimOwner.current)
        #expect(throws: RepositoryError.idempotencyKeyInUse) {
            try store.create(NewPerson(name: "A", email: "a@example.com", age: nil), idempotency: IdempotencyRecord(key: "alive", fingerprint: "f"))
        }
    }

    private func claims(_ database: SQLiteDatabase) throws -> Int {
        try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM idempotency_claim") ?? -1 }
    }

    @Test func aKeyClaimedByAnotherProcessIsInUse() throws {
        let database = try SQLiteDatabase(path: path)
        let store = PersonSQLiteRepository(database: database)
        try claimAsAnotherProcess("busy", agoMilliseconds: 0)
        #expect(throws: RepositoryError.idempotencyKeyInUse) {
            try store.create(NewPerson(name: "A", email: "a@example.com", age: nil), idempotency: IdempotencyRecord(key: "busy", fingerprint: "f"))
        }
        #expect(try store.list(limit: 10, after: nil).items.isEmpty)
        // Other keys, and creates without one, are not held up.
        _ = try store.create(NewPerson(name: "B", email: "b@example.com", age: nil), idempotency: IdempotencyRecord(key: "free", fingerprint: "f"))
        _ = try store.create(NewPerson(name: "C", email: "c@example.com", age: nil), idempotency: nil)
    }

    @Test func aClaimWhoseOwnerDiedLapses() throws {
        let database = try SQLiteDatabase(path: path)
        let store = PersonSQLiteRepository(database: database)
        try claimAsAnotherProcess("orphaned", agoMilliseconds: Int(PersonSQLiteRepository.claimLapsesAfterMilliseconds) + 1_000)
        guard case .created = try store.create(NewPerson(name: "A", email: "a@example.com", age: nil),
                                               idempotency: IdempotencyRecord(key: "orphaned", fingerprint: "f")) else {
            Issue.record("the lapsed claim was not taken over"); return
        }
        #expect(try claims(database) == 0)
    }

    @Test func noClaimOutlivesItsCreateWhetherItSucceedsOrFails() throws {
        let database = try SQLiteDatabase(path: path)
        let store = PersonSQLiteRepository(database: database)
        let record = IdempotencyRecord(key: "k", fingerprint: "f")
        _ = try store.create(NewPerson(name: "A", email: "a@example.com", age: nil), idempotency: record)
        #expect(try claims(database) == 0)
        #expect(throws: RepositoryError.emailTaken) {
            try store.create(NewPerson(name: "B", email: "a@example.com", age: nil), idempotency: IdempotencyRecord(key: "k2", fingerprint: "f"))
        }
        #expect(throws: RepositoryError.idempotencyKeyReused) {
            try store.create(NewPerson(name: "C", email: "c@example.com", age: nil), idempotency: IdempotencyRecord(key: "k", fingerprint: "other"))
        }
        #expect(try claims(database) == 0)
    }

    @Test func claimsOfEndedProcessesAndLapsedClaimsAreSweptWithoutTheirKeyComingBack() throws {
        let database = try SQLiteDatabase(path: path)
        try claimAsAnotherProcess("killed", agoMilliseconds: 0, owner: "\(try endedProcessID()):12345")
        try claimAsAnotherProcess("lapsed", agoMilliseconds: Int(PersonSQLiteRepository.claimLapsesAfterMilliseconds) + 1_000)
        try claimAsAnotherProcess("alive", agoMilliseconds: 0, owner: ClaimOwner.current)
        try claimAsAnotherProcess("unowned", agoMilliseconds: 0)
        try database.writer.writeWithoutTransaction { db in try ClaimSweeper.sweep(on: db) }
        let left = try database.writer.read { db in try String.fetchAll(db, sql: "SELECT key FROM idempotency_claim ORDER BY key") }
        #expect(left == ["alive", "unowned"])
    }

    @Test func theSameKeyRacedFromManyThreadsCreatesOnce() throws {
        let store = PersonSQLiteRepository(database: try SQLiteDatabase(path: path))
        let outcomes = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let outcome: String
            do {
                switch try store.create(NewPerson(name: "A", email: "a@example.com", age: nil), idempotency: IdempotencyRecord(key: "race", fingerprint: "f")) {
                case .created: outcome = "created"
                case .replayed: outcome = "replayed"
                }
            } catch RepositoryError.idempotencyKeyInUse {
                outcome = "in use"
            } catch {
                outcome = "\(error)"
            }
            outcomes.withLock { $0.append(outcome) }
        }
        let all = outcomes.withLock { $0 }
        #expect(all.filter { $0 == "created" }.count == 1)
        #expect(all.allSatisfy { ["created", "replayed", "in use"].contains($0) }, "\(all)")
        #expect(try store.list(limit: 10, after: nil).items.count == 1)
    }
}
