import Foundation
import Synchronization
import Testing
@testable import PeopleAPI
import StoreTestSupport

/// The contract every `PersonRepository` keeps for creates, run against each store.
@Suite struct CreateContractTests {
    @Test(arguments: StoreKind.allCases)
    func createThenFindAndList(kind: StoreKind) throws {
        let store = try kind.make()
        let person = try Contract.created(store.create(Contract.submission(1), idempotency: nil))
        #expect(try store.find(id: person.id) == person)
        #expect(try store.list(limit: 20, after: nil) == PersonPage(items: [person], next: nil))
        #expect(try store.find(id: PersonID.generate()) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func emailsAreUniqueCaseInsensitively(kind: StoreKind) throws {
        let store = try kind.make()
        _ = try store.create(NewPerson(name: "A", email: "Ada@example.com", age: nil), idempotency: nil)
        #expect(throws: RepositoryError.emailTaken) {
            try store.create(NewPerson(name: "B", email: "ADA@example.com", age: nil), idempotency: nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func sixteenThreadsCreateAtOnce(kind: StoreKind) throws {
        let store = try kind.make()
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 16) { thread in
            for index in 0..<25 {
                do { _ = try store.create(Contract.submission(thread * 100 + index), idempotency: nil) } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(try Contract.allPages(store).count == 16 * 25)
    }

    @Test(arguments: StoreKind.allCases)
    func theSameEmailRacedFromManyThreadsIsStoredOnce(kind: StoreKind) throws {
        let store = try kind.make()
        let tally = createAtOnce(32, in: store) { thread in (Contract.submission(thread, email: "race@example.com"), nil) }
        #expect(tally.created == 1 && tally.emailTaken == 31 && tally.otherwise == 0)
    }

    /// Runs one create per thread, all at once, and counts how they ended.
    private func createAtOnce(_ threads: Int, in store: any PersonRepository,
                              _ make: @Sendable (Int) -> (NewPerson, IdempotencyRecord?)) -> (created: Int, emailTaken: Int, otherwise: Int) {
        let created = Atomic<Int>(0), taken = Atomic<Int>(0), otherwise = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let (person, key) = make(thread)
            do {
                _ = try store.create(person, idempotency: key)
                created.add(1, ordering: .relaxed)
            } catch RepositoryError.emailTaken {
                taken.add(1, ordering: .relaxed)
            } catch {
                otherwise.add(1, ordering: .relaxed)
            }
        }
        return (created.load(ordering: .relaxed), taken.load(ordering: .relaxed), otherwise.load(ordering: .relaxed))
    }

    /// SQLite commits concurrent creates in one transaction: a duplicate in the batch must fail
    /// alone, with nothing of it stored, while the creates beside it commit (keyed ones too).
    @Test(arguments: StoreKind.allCases)
    func aDuplicateFailsAloneAmongCreatesCommittedWithIt(kind: StoreKind) throws {
        let store = try kind.make()
        let tally = createAtOnce(32, in: store) { thread in
            let email = thread % 2 == 0 ? "race@example.com" : "p\(thread)@example.com"
            let key = thread % 4 < 2 ? IdempotencyRecord(key: "k\(thread)", fingerprint: "f\(thread)") : nil
            return (Contract.submission(thread, email: email), key)
        }
        #expect(tally.created == 17 && tally.emailTaken == 15 && tally.otherwise == 0)
        let stored = try Contract.allPages(store)
        #expect(stored.count == 17)
        #expect(Set(stored.map(\.email)).count == 17)
        // Each keyed create is remembered, and replays the person it made.
        for thread in stride(from: 1, to: 32, by: 4) {
            let replay = try store.create(Contract.submission(thread, email: "p\(thread)@example.com"),
                                          idempotency: IdempotencyRecord(key: "k\(thread)", fingerprint: "f\(thread)"))
            guard case .replayed(let person) = replay else {
                Issue.record("key k\(thread) was not remembered: \(replay)")
                continue
            }
            #expect(person.email == "p\(thread)@example.com")
        }
        // A keyed create that lost the race left no record of its key: it creates afresh, unless it won.
        for thread in stride(from: 0, to: 32, by: 4) {
            let again = try store.create(Contract.submission(thread, email: "again\(thread)@example.com"),
                                         idempotency: IdempotencyRecord(key: "k\(thread)", fingerprint: "f\(thread)"))
            switch again {
            case .created: break
            case .replayed(let person): #expect(person.email == "race@example.com")
            }
        }
    }
}
