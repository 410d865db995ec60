import PeopleAPI
import CLibPQ
import Glibc
import Synchronization

/// The one owner of a PostgreSQL database's connections: one per thread that uses it
/// (libpq is synchronous, as the store's callers are), the migrations, the cursor key,
/// and the translation of PostgreSQL's failures into the store's terms.
///
/// Nothing here needs the server to be up when a responder starts: the schema is brought up
/// to date by the first operation that reaches the server, and until then every operation
/// is `.unavailable` (a 503), so responders started during an outage come good by themselves.
public final class PostgreSQLDatabase: @unchecked Sendable {
    private let keywords: [String]
    private let values: [String]
    /// Each thread's connection, unretained: `opened` keeps them alive as long as this object,
    /// so a database that goes away closes its connections whatever threads used it.
    private let threadConnection: pthread_key_t
    private let opened = Mutex<[ObjectIdentifier: PostgreSQLConnection]>([:])
    /// The cursor key, once the schema is known to be up to date.
    private let migratedCursorKey = Mutex<[UInt8]?>(nil)

    /// `url` is a libpq connection URI (`postgresql://user@host:port/name?…`). Its own parameters
    /// win over these defaults: a connect that fails within 3 s, and a statement that may run
    /// 5 s at most (nginx waits 30 s; a request never waits on a stuck statement that long).
    /// `synchronous_commit = on` is set after the connection opens (see `PostgreSQLDurability`),
    /// so that no parameter of the URL, the server or the role can weaken it.
    public init(url: String, statementTimeoutMilliseconds: Int = 5_000) {
        keywords = ["connect_timeout", "application_name", "options", "dbname"]
        values = ["3", "people-api", "-c statement_timeout=\(statementTimeoutMilliseconds) -c client_min_messages=warning", url]
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        threadConnection = key
    }

    deinit {
        pthread_key_delete(threadConnection)
    }

    /// Connects and migrates now, so that a command or a start-up check fails with the reason.
    public func open() throws {
        _ = try cursorSigningKey()
    }


    /// The key that signs list cursors: created once with the schema, shared by every process on this database.
    func cursorSigningKey() throws -> [UInt8] {
        if let key = migratedCursorKey.withLock({ $0 }) { return key }
        let key = try withConnection(migrating: false) { connection in
            try PostgreSQLSchema.migrate(connection)
            PostgreSQLDurability.warnIfWeak(try PostgreSQLDurability.report(on: connection))
            guard let hex = try connection.execute("SELECT encode(value, 'hex') FROM server_secret WHERE name = 'cursor'")
                .rows.first?.first ?? nil, let key = Hex.decode(hex) else {
                throw PostgreSQLError(kind: .statement, message: "the cursor key is missing from server_secret")
            }
            return key
        }
        migratedCursorKey.withLock { $0 = key }
        return key
    }

    /// Runs `body` on this thread's connection, opening or replacing it as needed. Failures that
    /// a retry can cure become `.unavailable`; a broken connection is dropped, so the next call
    /// connects afresh (after a server restart, responders recover with no help).
    func withConnection<T>(migrating: Bool = true, _ body: (PostgreSQLConnection) throws -> T) throws -> T {
        do {
            if migrating { _ = try cursorSigningKey() }
            let connection = try threadsConnection()
            do {
                return try body(connection)
            } catch let error as PostgreSQLError where error.kind == .connection {
                drop(connection)
                throw error
            }
        } catch let error as PostgreSQLError where Self.isTransient(error) {
            throw RepositoryError.unavailable(error.description)
        }
    }

    private func threadsConnection() throws -> PostgreSQLConnection {
        if let stored = pthread_getspecific(threadConnection) {
            let connection = Unmanaged<PostgreSQLConnection>.fromOpaque(stored).takeUnretainedValue()
            if connection.isUsable { return connection }
            drop(connection)
        }
        let connection = try PostgreSQLConnection(keywords: keywords, values: values)
        try PostgreSQLDurability.enforce(on: connection)
        opened.withLock { $0[ObjectIdentifier(connection)] = connection }
        pthread_setspecific(threadConnection, Unmanaged.passUnretained(connection).toOpaque())
        return connection
    }

    private func drop(_ connection: PostgreSQLConnection) {
        pthread_setspecific(threadConnection, nil)
        _ = opened.withLock { $0.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// The server is down, restarting, out of connections, cancelled a statement that ran too
    /// long, or lost a race it asks us to retry: nothing the request did wrong.
    static func isTransient(_ error: PostgreSQLError) -> Bool {
        guard error.kind == .statement, let state = error.sqlState else { return true }
        // 08 connection, 40 rollback (serialization, deadlock), 53 resources (e.g. too many
        // connections), 57 operator intervention (statement timeout, shutdown), 58 I/O.
        return ["08", "40", "53", "57", "58"].contains(String(state.prefix(2)))
            || state == "55P03" /* lock not available */ || state == "25006" /* read-only standby */
    }
}
