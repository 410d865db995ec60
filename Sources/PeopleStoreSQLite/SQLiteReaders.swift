import PeopleAPI
import Glibc
import GRDB
import Synchronization

/// Read-only connections, one per thread that reads, without a transaction per read.
///
/// `DatabasePool.read` measured as most of a get-by-id's cost in `perf` (a reader pool
/// with a key-path lookup, a dispatch hop and BEGIN/COMMIT around each read). A shared
/// free list of connections was next: `Synchronization.Mutex` is a priority-inheriting
/// futex on Linux, and 16 workers taking it twice per operator request (token, then
/// person) spent more time in the kernel's rt_mutex than in SQLite. Each thread now
/// keeps its own connection in thread-local storage and takes no lock to read. Every
/// read here is a single statement, so it needs no transaction of its own.
final class SQLiteReaders: @unchecked Sendable {
    private let path: String
    private let configuration: Configuration
    /// Each thread's connection, unretained: `opened` keeps them alive as long as this object.
    private let threadConnection: pthread_key_t
    /// Taken only when a thread opens its connection, never on a read.
    private let opened = Mutex<[DatabaseQueue]>([])

    init(path: String, busyTimeout: Double) {
        var configuration = Configuration()
        configuration.readonly = true
        // A reader is kept waiting only while a checkpoint or a WAL restart holds a lock for
        // microseconds: poll as the writers do, not in SQLite's 1–100 ms sleeps.
        configuration.busyMode = SQLiteDatabase.pollingBusyMode(for: busyTimeout)
        self.path = path
        self.configuration = configuration
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        self.threadConnection = key
    }

    deinit {
        pthread_key_delete(threadConnection)
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try connection().unsafeRead(body)
    }

    private func connection() throws -> DatabaseQueue {
        if let stored = pthread_getspecific(threadConnection) {
            return Unmanaged<DatabaseQueue>.fromOpaque(stored).takeUnretainedValue()
        }
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        opened.withLock { $0.append(connection) }
        pthread_setspecific(threadConnection, Unmanaged.passUnretained(connection).toOpaque())
        return connection
    }
}
