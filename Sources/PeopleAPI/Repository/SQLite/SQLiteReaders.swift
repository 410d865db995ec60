import GRDB
import Synchronization

/// Read-only connections handed out one per read, without a transaction per read.
///
/// `DatabasePool.read` measured as most of a get-by-id's cost in `perf` (a reader
/// pool with a key-path lookup, a dispatch hop and BEGIN/COMMIT around each read).
/// Every read here is a single statement, so it needs no transaction of its own.
final class SQLiteReaders: Sendable {
    private let idle: Mutex<[DatabaseQueue]>
    private let path: String
    private let configuration: Configuration

    init(path: String, busyTimeout: Double) {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        self.path = path
        self.configuration = configuration
        self.idle = Mutex([])
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        let connection = try idle.withLock { $0.popLast() } ?? DatabaseQueue(path: path, configuration: configuration)
        defer { idle.withLock { $0.append(connection) } }
        return try connection.unsafeRead(body)
    }
}
