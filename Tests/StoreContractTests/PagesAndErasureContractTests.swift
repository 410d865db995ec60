import Foundation
import Synchronization
import Testing
@testable import PeopleAPI
import StoreTestSupport

/// The contract every `PersonRepository` keeps for pages and erasure, run against each store.
@Suite struct PagesAndErasureContractTests {
    @Test(arguments: StoreKind.allCases)
    func pagesAreNewestFirst(kind: StoreKind) throws {
        let store = try kind.make()
        for index in 0..<7 { _ = try store.create(Contract.submission(index), idempotency: nil) }
        let first = try store.list(limit: 3, after: nil)
        #expect(first.items.map(\.name) == ["Person 6", "Person 5", "Person 4"])
        let second = try store.list(limit: 3, after: first.next)
        #expect(second.items.map(\.name) == ["Person 3", "Person 2", "Person 1"])
        let last = try store.list(limit: 3, after: second.next)
        #expect(last.items.map(\.name) == ["Person 0"])
        #expect(last.next == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func erasureRemovesThePersonAndTheirKeys(kind: StoreKind) throws {
        let store = try kind.make()
        let record = IdempotencyRecord(key: "erase-me", fingerprint: "f")
        let person = try Contract.created(store.create(Contract.submission(1), idempotency: record))
        #expect(try store.erase(id: person.id))
        #expect(try store.find(id: person.id) == nil)
        #expect(try store.erase(id: person.id) == false)
        #expect(try store.list(limit: 10, after: nil).items.isEmpty)
        // The email is free again, and the old key creates anew instead of replaying.
        let again = try Contract.created(store.create(Contract.submission(1), idempotency: record))
        #expect(again.id != person.id)
    }

    @Test(arguments: StoreKind.allCases)
    func aCursorStaysValidAfterItsPersonIsErased(kind: StoreKind) throws {
        let store = try kind.make()
        for index in 0..<6 { _ = try store.create(Contract.submission(index), idempotency: nil) }
        let first = try store.list(limit: 2, after: nil)
        let pointedAt = try #require(first.items.last)
        #expect(try store.erase(id: pointedAt.id))
        let second = try store.list(limit: 2, after: first.next)
        #expect(second.items.map(\.name) == ["Person 3", "Person 2"])
    }

    /// The contract: "a page never skips a person committed before it was read, whatever writes
    /// run meanwhile". Four writers create people while a pager walks the list again and again;
    /// every create's return and every page's read are stamped from one counter. Afterwards each
    /// person's place in the list is known, and every page is checked: each person whose create
    /// had returned before the page was read, and whose place lies within the page's span, is on it.
    @Test(arguments: StoreKind.allCases)
    func aPageReadDuringWritesSkipsNoCommittedPerson(kind: StoreKind) throws {
        let store = try kind.make()
        for index in 0..<20 { _ = try store.create(Contract.submission(index), idempotency: nil) }
        let ticks = Atomic<Int>(0)
        let committedAt = Mutex<[String: Int]>([:])
        for person in try Contract.allPages(store) { committedAt.withLock { $0[person.id] = 0 } }
        struct PageRead { let readAt: Int; let items: [Person]; let after: PageCursor?; let next: PageCursor? }
        let walks = Mutex<[[PageRead]]>([])
        let writersLeft = Atomic<Int>(4)
        DispatchQueue.concurrentPerform(iterations: 5) { thread in
            if thread == 0 {
                // Walks while the writers write, at most 200 of them: the check below is walks ×
                // pages × people, and a store that syncs every commit gives a reader time for thousands.
                var walked = 0
                while writersLeft.load(ordering: .acquiring) > 0, walked < 200 {
                    walked += 1
                    var reads: [PageRead] = []
                    var cursor: PageCursor?
                    repeat {
                        let readAt = ticks.add(1, ordering: .sequentiallyConsistent).newValue
                        guard let page = try? store.list(limit: 5, after: cursor) else { return }
                        reads.append(PageRead(readAt: readAt, items: page.items, after: cursor, next: page.next))
                        cursor = page.next
                    } while cursor != nil
                    walks.withLock { $0.append(reads) }
                }
            } else {
                for index in 0..<60 {
                    if case .created(let person)? = try? store.create(Contract.submission(1000 * thread + index), idempotency: nil) {
                        let at = ticks.add(1, ordering: .sequentiallyConsistent).newValue
                        committedAt.withLock { $0[person.id] = at }
                    }
                }
                writersLeft.subtract(1, ordering: .releasing)
            }
        }
        // Each person's place: the sequence a one-person page's cursor names.
        var place: [String: Int64] = [:]
        var cursor: PageCursor?
        repeat {
            let page = try store.list(limit: 1, after: cursor)
            cursor = page.next
            if let person = page.items.first { place[person.id] = cursor?.sequence ?? 0 }
        } while cursor != nil
        let committed = committedAt.withLock { $0 }
        #expect(place.count == committed.count, "every created person is listed once")
        let allWalks = walks.withLock { $0 }
        #expect(!allWalks.isEmpty)
        for walk in allWalks {
            let ids = walk.flatMap { $0.items.map(\.id) }
            #expect(Set(ids).count == ids.count, "a person was seen twice in one walk")
            for read in walk {
                let upper = read.after?.sequence ?? Int64.max
                let lower = read.next?.sequence ?? 0
                let onPage = Set(read.items.map(\.id))
                for (id, at) in committed where at < read.readAt {
                    guard let position = place[id], position < upper, position >= lower else { continue }
                    #expect(onPage.contains(id), "page read at \(read.readAt) skipped a person committed at \(at)")
                }
            }
        }
    }
}
