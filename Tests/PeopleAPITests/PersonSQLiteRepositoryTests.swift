import Foundation
import Synchronization
import Testing
@testable import PeopleAPI

/// The SQLite store against a real file in a temporary folder.
@Suite struct PersonSQLiteRepositoryTests {
    let folder: URL
    let repository: PersonSQLiteRepository

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("people-sqlite-\(UUID().uuidString)")
        repository = try PersonSQLiteRepository(path: folder.appendingPathComponent("people.sqlite").path)
    }

    private func submission(_ index: Int, email: String? = nil) -> NewPerson {
        NewPerson(name: "Person \(index)", email: email ?? "p\(index)@example.com", age: index % 150)
    }

    @Test func createThenFindAndList() throws {
        guard case .created(let person) = try repository.create(submission(1), idempotency: nil) else {
            Issue.record("not created"); return
        }
        #expect(try repository.find(id: person.id) == person)
        #expect(try repository.list(limit: 20, after: nil) == PersonPage(items: [person], next: nil))
        #expect(try repository.find(id: PersonID.generate()) == nil)
    }

    @Test func emailsAreUniqueCaseInsensitively() throws {
        _ = try repository.create(NewPerson(name: "A", email: "Ada@example.com", age: nil), idempotency: nil)
        #expect(throws: RepositoryError.emailTaken) {
            try repository.create(NewPerson(name: "B", email: "ADA@example.com", age: nil), idempotency: nil)
        }
    }

    @Test func sixteenThreadsCreateAtOnce() throws {
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 16) { thread in
            for index in 0..<25 {
                do { _ = try repository.create(submission(thread * 100 + index), idempotency: nil) } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        var seen = 0
        var cursor: PageCursor?
        repeat {
            let page = try repository.list(limit: 100, after: cursor)
            seen += page.items.count
            cursor = page.next
        } while cursor != nil
        #expect(seen == 16 * 25)
    }

    @Test func theSameEmailRacedFromManyThreadsIsStoredOnce() throws {
        let created = Atomic<Int>(0)
        let taken = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 32) { thread in
            do {
                _ = try repository.create(submission(thread, email: "race@example.com"), idempotency: nil)
                created.add(1, ordering: .relaxed)
            } catch RepositoryError.emailTaken {
                taken.add(1, ordering: .relaxed)
            } catch {}
        }
        #expect(created.load(ordering: .relaxed) == 1)
        #expect(taken.load(ordering: .relaxed) == 31)
    }

    @Test func idempotencyKeyIsStoredWithThePerson() throws {
        let record = IdempotencyRecord(key: "k1", fingerprint: "f1")
        guard case .created(let person) = try repository.create(submission(1), idempotency: record) else {
            Issue.record("not created"); return
        }
        #expect(try repository.create(submission(2), idempotency: record) == .replayed(person))
        #expect(throws: RepositoryError.idempotencyKeyReused) {
            try repository.create(submission(3), idempotency: IdempotencyRecord(key: "k1", fingerprint: "other"))
        }
        #expect(try repository.list(limit: 10, after: nil).items.count == 1)
    }

    @Test func aFailedCreateLeavesNoKeyBehind() throws {
        _ = try repository.create(submission(1), idempotency: nil)
        let record = IdempotencyRecord(key: "k2", fingerprint: "f")
        #expect(throws: RepositoryError.emailTaken) { try repository.create(submission(1), idempotency: record) }
        guard case .created = try repository.create(submission(2), idempotency: record) else {
            Issue.record("the key of a failed create was remembered"); return
        }
    }

    @Test func pagesAreNewestFirstAndCursorsAreChecked() throws {
        for index in 0..<7 { _ = try repository.create(submission(index), idempotency: nil) }
        let first = try repository.list(limit: 3, after: nil)
        #expect(first.items.map(\.name) == ["Person 6", "Person 5", "Person 4"])
        let second = try repository.list(limit: 3, after: first.next)
        #expect(second.items.map(\.name) == ["Person 3", "Person 2", "Person 1"])
        let last = try repository.list(limit: 3, after: second.next)
        #expect(last.items.map(\.name) == ["Person 0"])
        #expect(last.next == nil)
        #expect(throws: RepositoryError.unknownCursor) {
            try repository.list(limit: 3, after: PageCursor(sequence: 2, personID: PersonID.generate()))
        }
    }

    @Test func dataSurvivesReopening() throws {
        guard case .created(let person) = try repository.create(submission(1), idempotency: nil) else { return }
        let reopened = try PersonSQLiteRepository(path: folder.appendingPathComponent("people.sqlite").path)
        #expect(try reopened.find(id: person.id) == person)
        try reopened.checkHealth()
    }
}

@Suite struct PersonIDTests {
    @Test func idsAreVersion7UUIDsAndUnique() {
        let ids = (0..<1000).map { _ in PersonID.generate() }
        #expect(Set(ids).count == 1000)
        for id in ids.prefix(20) {
            #expect(PersonID.canonical(id) == id)
            #expect(Array(id)[14] == "7")
            #expect("89ab".contains(Array(id)[19]))
        }
    }
}
