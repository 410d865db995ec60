import Foundation
import Synchronization
import Testing
@testable import PeopleAPI

/// Every store the application can run on, made fresh for one test.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case memory, sqlite, postgres

    var testDescription: String { rawValue }

    /// PostgreSQL when a test server is there (always under CI; see `PostgreSQLTestServer`).
    static var allCases: [StoreKind] {
        PostgreSQLTestServer.url != nil || PostgreSQLTestServer.isRequired ? [.memory, .sqlite, .postgres] : [.memory, .sqlite]
    }

    func make(clock: IdempotencyClock = .system) throws -> any PersonRepository {
        switch self {
        case .memory: return PersonMemoryRepository(clock: clock)
        case .sqlite: return PersonSQLiteRepository(database: try SQLiteDatabase(path: Self.temporaryFile()), clock: clock)
        case .postgres:
            return PersonPostgreSQLRepository(database: PostgreSQLDatabase(url: try PostgreSQLTestServer.freshDatabaseURL()), clock: clock)
        }
    }

    static func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("people-store-\(UUID().uuidString)/people.sqlite").path
    }
}

/// The one contract every `PersonRepository` keeps, run against each store.
@Suite struct PersonRepositoryContractTests {
    private func submission(_ index: Int, email: String? = nil) -> NewPerson {
        NewPerson(name: "Person \(index)", email: email ?? "p\(index)@example.com", age: index % 150)
    }

    private func created(_ outcome: CreateOutcome) throws -> Person {
        guard case .created(let person) = outcome else { throw CreateWasReplayed() }
        return person
    }

    private struct CreateWasReplayed: Error {}

    private func allPages(_ store: any PersonRepository, limit: Int = 100) throws -> [Person] {
        var people: [Person] = []
        var cursor: PageCursor?
        for _ in 0..<10_000 {
            let page = try store.list(limit: limit, after: cursor)
            people += page.items
            cursor = page.next
            if cursor == nil { break }
        }
        return people
    }

    @Test(arguments: StoreKind.allCases)
    func createThenFindAndList(kind: StoreKind) throws {
        let store = try kind.make()
        let person = try created(store.create(submission(1), idempotency: nil))
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
                do { _ = try store.create(submission(thread * 100 + index), idempotency: nil) } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(try allPages(store).count == 16 * 25)
    }

    @Test(arguments: StoreKind.allCases)
    func theSameEmailRacedFromManyThreadsIsStoredOnce(kind: StoreKind) throws {
        let store = try kind.make()
        let tally = createAtOnce(32, in: store) { thread in (submission(thread, email: "race@example.com"), nil) }
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
            return (submission(thread, email: email), key)
        }
        #expect(tally.created == 17 && tally.emailTaken == 15 && tally.otherwise == 0)
        let stored = try allPages(store)
        #expect(stored.count == 17)
        #expect(Set(stored.map(\.email)).count == 17)
        // Each keyed create is remembered, and replays the person it made.
        for thread in stride(from: 1, to: 32, by: 4) {
            let replay = try store.create(submission(thread, email: "p\(thread)@example.com"),
                                          idempotency: IdempotencyRecord(key: "k\(thread)", fingerprint: "f\(thread)"))
            guard case .replayed(let person) = replay else {
                Issue.record("key k\(thread) was not remembered: \(replay)")
                continue
            }
            #expect(person.email == "p\(thread)@example.com")
        }
        // A keyed create that lost the race left no record of its key: it creates afresh, unless it won.
        for thread in stride(from: 0, to: 32, by: 4) {
            let again = try store.create(submission(thread, email: "again\(thread)@example.com"),
                                         idempotency: IdempotencyRecord(key: "k\(thread)", fingerprint: "f\(thread)"))
            switch again {
            case .created: break
            case .replayed(let person): #expect(person.email == "race@example.com")
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func idempotencyKeyIsStoredWithThePerson(kind: StoreKind) throws {
        let store = try kind.make()
        let record = IdempotencyRecord(key: "k1", fingerprint: "f1")
        let person = try created(store.create(submission(1), idempotency: record))
        #expect(try store.create(submission(2), idempotency: record) == .replayed(person))
        #expect(throws: RepositoryError.idempotencyKeyReused) {
            try store.create(submission(3), idempotency: IdempotencyRecord(key: "k1", fingerprint: "other"))
        }
        #expect(try store.list(limit: 10, after: nil).items.count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func aFailedCreateLeavesNoKeyBehind(kind: StoreKind) throws {
        let store = try kind.make()
        _ = try store.create(submission(1), idempotency: nil)
        let record = IdempotencyRecord(key: "k2", fingerprint: "f")
        #expect(throws: RepositoryError.emailTaken) { try store.create(submission(1), idempotency: record) }
        _ = try created(store.create(submission(2), idempotency: record))
    }

    @Test(arguments: StoreKind.allCases)
    func pagesAreNewestFirst(kind: StoreKind) throws {
        let store = try kind.make()
        for index in 0..<7 { _ = try store.create(submission(index), idempotency: nil) }
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
        let person = try created(store.create(submission(1), idempotency: record))
        #expect(try store.erase(id: person.id))
        #expect(try store.find(id: person.id) == nil)
        #expect(try store.erase(id: person.id) == false)
        #expect(try store.list(limit: 10, after: nil).items.isEmpty)
        // The email is free again, and the old key creates anew instead of replaying.
        let again = try created(store.create(submission(1), idempotency: record))
        #expect(again.id != person.id)
    }

    @Test(arguments: StoreKind.allCases)
    func aCursorStaysValidAfterItsPersonIsErased(kind: StoreKind) throws {
        let store = try kind.make()
        for index in 0..<6 { _ = try store.create(submission(index), idempotency: nil) }
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
        for index in 0..<20 { _ = try store.create(submission(index), idempotency: nil) }
        let ticks = Atomic<Int>(0)
        let committedAt = Mutex<[String: Int]>([:])
        for person in try allPages(store) { committedAt.withLock { $0[person.id] = 0 } }
        struct PageRead { let readAt: Int; let items: [Person]; let after: PageCursor?; let next: PageCursor? }
        let walks = Mutex<[[PageRead]]>([])
        let writersLeft = Atomic<Int>(4)
        DispatchQueue.concurrentPerform(iterations: 5) { thread in
            if thread == 0 {
                while writersLeft.load(ordering: .acquiring) > 0 {
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
                    if case .created(let person)? = try? store.create(submission(1000 * thread + index), idempotency: nil) {
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

    @Test(arguments: StoreKind.allCases)
    func idempotencyRecordsExpireAfterADay(kind: StoreKind) throws {
        let now = Atomic<Int>(Timestamp.milliseconds())
        let store = try kind.make(clock: IdempotencyClock { now.load(ordering: .relaxed) })
        let old = IdempotencyRecord(key: "old", fingerprint: "f")
        _ = try created(store.create(submission(1), idempotency: old))
        for index in 0..<40 { _ = try store.create(submission(100 + index), idempotency: IdempotencyRecord(key: "k\(index)", fingerprint: "f")) }
        now.add(IdempotencyClock.retentionMilliseconds - 60_000, ordering: .relaxed)
        // Within the day nothing expires, and the key still replays.
        #expect(try store.expireIdempotencyRecords(limit: 100) == 0)
        guard case .replayed = try store.create(submission(1), idempotency: old) else {
            Issue.record("a key was forgotten within its day"); return
        }
        now.add(120_000, ordering: .relaxed)
        // Past the day: bounded batches, oldest first; a keyed create clears some on its way.
        #expect(try store.expireIdempotencyRecords(limit: 10) == 10)
        _ = try store.create(submission(500), idempotency: IdempotencyRecord(key: "fresh", fingerprint: "f"))
        #expect(try store.expireIdempotencyRecords(limit: 100) == 41 - 10 - IdempotencyClock.expiredPerCreate)
        #expect(try store.expireIdempotencyRecords(limit: 100) == 0)
        // The forgotten key is free: with another body it creates instead of being refused as reused.
        _ = try created(store.create(submission(600), idempotency: IdempotencyRecord(key: "old", fingerprint: "other")))
        // The records created on this day are kept.
        guard case .replayed = try store.create(submission(500), idempotency: IdempotencyRecord(key: "fresh", fingerprint: "f")) else {
            Issue.record("a fresh key was forgotten"); return
        }
    }
}

@Suite struct SQLiteStoreTests {
    private static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// Commits never checkpoint (`wal_autocheckpoint = 0`); the checkpointer's thread copies the
    /// WAL into the file: the file grows with the people although no commit copied a page.
    @Test func theWALIsCheckpointedOffTheWritePath() throws {
        let path = StoreKind.temporaryFile()
        let database = try SQLiteDatabase(path: path)
        let store = PersonSQLiteRepository(database: database)
        let fileSize = { Self.fileSize(path) }
        let empty = fileSize()
        for index in 0..<400 {
            _ = try store.create(NewPerson(name: "Person \(index) " + String(repeating: "x", count: 100),
                                           email: "p\(index)@example.com", age: nil), idempotency: nil)
        }
        var grown = false
        for _ in 0..<100 where !grown {  // the checkpointer runs every 250 ms: bounded wait of 10 s
            grown = fileSize() > empty + 40_000
            if !grown { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(grown, "the database file did not grow: nothing checkpointed the WAL (\(empty) → \(fileSize()) bytes)")
        withExtendedLifetime(database) {}
    }

    @Test func underSteadyWritesTheWALStartsOverInsteadOfGrowing() throws {
        let path = StoreKind.temporaryFile()
        // A checkpoint every 10 ms, rewinding past 50 frames: the run below spans hundreds of rounds.
        let database = try SQLiteDatabase(path: path, checkpointInterval: 0.01, rewindWALAfterFrames: 50)
        let store = PersonSQLiteRepository(database: database)
        let walSize: @Sendable () -> Int = { Self.fileSize(path + "-wal") }
        let largest = Mutex(0)
        // Four writers back to back: a commit lands while every checkpoint runs, so no passive
        // checkpoint ever finds the whole WAL copied. Without the rewind it ends near 6,000 × 4 frames.
        DispatchQueue.concurrentPerform(iterations: 4) { writer in
            for index in 0..<1_500 {
                _ = try? store.create(NewPerson(name: "Person \(index)", email: "w\(writer)-\(index)@example.com", age: nil),
                                      idempotency: nil)
                if writer == 0 { largest.withLock { $0 = max($0, walSize()) } }
            }
        }
        let stored = try database.readers.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM person") }
        #expect(stored == 6_000)
        let frames = largest.withLock { $0 } / 4_120  // a frame: a 4 KiB page and its 24-byte header
        #expect(frames < 4_000, "the WAL grew to \(frames) frames while 6,000 creates were written")
        withExtendedLifetime(database) {}
    }

    /// A 201 must survive a power cut: the writer syncs the WAL at every commit and zeroes what
    /// it deletes, read back on the very connection that writes (the pool sets NORMAL on it).
    @Test func theWriterSyncsEveryCommitAndZeroesWhatItDeletes() throws {
        let database = try SQLiteDatabase(path: StoreKind.temporaryFile())
        let settings = try database.writer.writeWithoutTransaction { db in try SQLiteDurability.current(on: db) }
        #expect(settings.synchronous == 2, "synchronous is \(settings.synchronous), not FULL (2)")
        #expect(settings.secureDelete == 1)
    }

    @Test func dataAndTheCursorKeySurviveReopening() throws {
        let path = StoreKind.temporaryFile()
        let database = try SQLiteDatabase(path: path)
        guard case .created(let person) = try PersonSQLiteRepository(database: database)
            .create(NewPerson(name: "A", email: "a@example.com", age: nil), idempotency: nil) else { return }
        let reopened = try SQLiteDatabase(path: path)
        #expect(try PersonSQLiteRepository(database: reopened).find(id: person.id) == person)
        #expect(reopened.cursorSigningKey == database.cursorSigningKey)
        #expect(reopened.cursorSigningKey.count == 32)
    }
}

/// The in-flight claim of an `Idempotency-Key` lives in the SQLite file, where every responder
/// process sees it. `otherProcess` opens the same file as a second responder would.
@Suite struct SQLiteIdempotencyClaimTests {
    let path = StoreKind.temporaryFile()

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
