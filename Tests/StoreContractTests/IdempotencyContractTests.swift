import Foundation
import Synchronization
import Testing
@testable import PeopleAPI
import StoreTestSupport

/// The contract every `PersonRepository` keeps for `Idempotency-Key` records, run against each store.
@Suite struct IdempotencyContractTests {
    @Test(arguments: StoreKind.allCases)
    func idempotencyKeyIsStoredWithThePerson(kind: StoreKind) throws {
        let store = try kind.make()
        let record = IdempotencyRecord(key: "k1", fingerprint: "f1")
        let person = try Contract.created(store.create(Contract.submission(1), idempotency: record))
        #expect(try store.create(Contract.submission(2), idempotency: record) == .replayed(person))
        #expect(throws: RepositoryError.idempotencyKeyReused) {
            try store.create(Contract.submission(3), idempotency: IdempotencyRecord(key: "k1", fingerprint: "other"))
        }
        #expect(try store.list(limit: 10, after: nil).items.count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func aFailedCreateLeavesNoKeyBehind(kind: StoreKind) throws {
        let store = try kind.make()
        _ = try store.create(Contract.submission(1), idempotency: nil)
        let record = IdempotencyRecord(key: "k2", fingerprint: "f")
        #expect(throws: RepositoryError.emailTaken) { try store.create(Contract.submission(1), idempotency: record) }
        _ = try Contract.created(store.create(Contract.submission(2), idempotency: record))
    }


    @Test(arguments: StoreKind.allCases)
    func idempotencyRecordsExpireAfterADay(kind: StoreKind) throws {
        let now = Atomic<Int>(Timestamp.milliseconds())
        let store = try kind.make(clock: IdempotencyClock { now.load(ordering: .relaxed) })
        let old = IdempotencyRecord(key: "old", fingerprint: "f")
        _ = try Contract.created(store.create(Contract.submission(1), idempotency: old))
        for index in 0..<40 { _ = try store.create(Contract.submission(100 + index), idempotency: IdempotencyRecord(key: "k\(index)", fingerprint: "f")) }
        now.add(IdempotencyClock.retentionMilliseconds - 60_000, ordering: .relaxed)
        // Within the day nothing expires, and the key still replays.
        #expect(try store.expireIdempotencyRecords(limit: 100) == 0)
        guard case .replayed = try store.create(Contract.submission(1), idempotency: old) else {
            Issue.record("a key was forgotten within its day"); return
        }
        now.add(120_000, ordering: .relaxed)
        // Past the day: bounded batches, oldest first; a keyed create clears some on its way.
        #expect(try store.expireIdempotencyRecords(limit: 10) == 10)
        _ = try store.create(Contract.submission(500), idempotency: IdempotencyRecord(key: "fresh", fingerprint: "f"))
        #expect(try store.expireIdempotencyRecords(limit: 100) == 41 - 10 - IdempotencyClock.expiredPerCreate)
        #expect(try store.expireIdempotencyRecords(limit: 100) == 0)
        // The forgotten key is free: with another body it creates instead of being refused as reused.
        _ = try Contract.created(store.create(Contract.submission(600), idempotency: IdempotencyRecord(key: "old", fingerprint: "other")))
        // The records created on this day are kept.
        guard case .replayed = try store.create(Contract.submission(500), idempotency: IdempotencyRecord(key: "fresh", fingerprint: "f")) else {
            Issue.record("a fresh key was forgotten"); return
        }
    }
}