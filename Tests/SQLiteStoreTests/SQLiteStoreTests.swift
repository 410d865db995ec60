import Dispatch
import Foundation
import GRDB
import Synchronization
import Testing
import PeopleAPI
@testable import PeopleStoreSQLite
import StoreTestSupport

@Suite struct SQLiteStoreTests {
    private static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// Commits never checkpoint (`wal_autocheckpoint = 0`); the checkpointer's thread copies the
    /// WAL into the file: the file grows with the people although no commit copied a page.
    @Test func theWALIsCheckpointedOffTheWritePath() throws {
        let path = TemporaryFolder.file("people.sqlite")
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
        let path = TemporaryFolder.file("people.sqlite")
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
        let stored = try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM person") }
        #expect(stored == 6_000)
        let frames = largest.withLock { $0 } / 4_120  // a frame: a 4 KiB page and its 24-byte header
        #expect(frames < 4_000, "the WAL grew to \(frames) frames while 6,000 creates were written")
        withExtendedLifetime(database) {}
    }

    /// A 201 must survive a power cut: the writer syncs the WAL at every commit and zeroes what
    /// it deletes, read back on the very connection that writes (the pool sets NORMAL on it).
    @Test func theWriterSyncsEveryCommitAndZeroesWhatItDeletes() throws {
        let database = try SQLiteDatabase(path: TemporaryFolder.file("people.sqlite"))
        let settings = try database.writer.writeWithoutTransaction { db in try SQLiteDurability.current(on: db) }
        #expect(settings.synchronous == 2, "synchronous is \(settings.synchronous), not FULL (2)")
        #expect(settings.secureDelete == 1)
    }

    @Test func dataAndTheCursorKeySurviveReopening() throws {
        let path = TemporaryFolder.file("people.sqlite")
        let database = try SQLiteDatabase(path: path)
        guard case .created(let person) = try PersonSQLiteRepository(database: database)
            .create(NewPerson(name: "A", email: "a@example.com", age: nil), idempotency: nil) else { return }
        let reopened = try SQLiteDatabase(path: path)
        #expect(try PersonSQLiteRepository(database: reopened).find(id: person.id) == person)
        #expect(reopened.cursorSigningKey == database.cursorSigningKey)
        #expect(reopened.cursorSigningKey.count == 32)
    }
}
