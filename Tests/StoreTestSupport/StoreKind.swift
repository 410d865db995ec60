import Foundation
import PeopleAPI
import PeopleStorePostgres
import PeopleStoreSQLite

/// Every store the application can run on, made fresh for one test.
public enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The memory store; SQLite in memory (one connection, where WAL and files are not the
    /// point); SQLite on a file (WAL, readers, checkpoints); PostgreSQL on the test server.
    case memory, sqliteInMemory = "sqlite-in-memory", sqlite, postgres

    public var description: String { rawValue }

    /// PostgreSQL when a test server is there (always under CI; see `PostgreSQLTestServer`).
    public static var allCases: [StoreKind] {
        let local: [StoreKind] = [.memory, .sqliteInMemory, .sqlite]
        return PostgreSQLTestServer.url != nil || PostgreSQLTestServer.isRequired ? local + [.postgres] : local
    }

    public func make(clock: IdempotencyClock = .system) throws -> any PersonRepository {
        switch self {
        case .memory: return PersonMemoryRepository(clock: clock)
        case .sqliteInMemory: return PersonSQLiteRepository(database: try SQLiteDatabase.inMemory(), clock: clock)
        case .sqlite: return PersonSQLiteRepository(database: try SQLiteDatabase(path: TemporaryFolder.file("people.sqlite")), clock: clock)
        case .postgres:
            return PersonPostgreSQLRepository(database: PostgreSQLDatabase(url: try PostgreSQLTestServer.freshDatabaseURL()), clock: clock)
        }
    }
}
