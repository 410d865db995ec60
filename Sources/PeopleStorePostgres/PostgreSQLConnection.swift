import PeopleAPI
import CLibPQ
import Glibc

/// One libpq connection, used by one thread at a time: blocking calls, as the store's
/// callers are synchronous. Statements are prepared once per connection and sent with
/// text parameters; results are copied out as text and freed at once. (Sendable only so that
/// its database can keep and close it; no two threads ever use one connection.)
final class PostgreSQLConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    private var prepared: Set<String> = []

    /// Connects with libpq's keyword/value parameters, a `dbname` holding a URI expanded in
    /// place (its settings win over the keywords before it); fails with `.connection` when the
    /// server cannot be reached.
    init(keywords: [String], values: [String]) throws {
        let keywordCopies = keywords.map { strdup($0) } + [nil]
        let valueCopies = values.map { strdup($0) } + [nil]
        defer { (keywordCopies + valueCopies).forEach { free($0) } }
        let opened = keywordCopies.map { UnsafePointer($0) }.withUnsafeBufferPointer { keywordPointers in
            valueCopies.map { UnsafePointer($0) }.withUnsafeBufferPointer { valuePointers in
                PQconnectdbParams(keywordPointers.baseAddress, valuePointers.baseAddress, 1)
            }
        }
        guard let connection = opened else {
            throw PostgreSQLError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgreSQLError(kind: .connection, message: message)
        }
        self.connection = connection
    }

    deinit {
        PQfinish(connection)
    }

    /// False once the server has ended the connection or it broke; such a connection is
    /// replaced, never reused. Nothing is expected on an idle connection (the store never
    /// LISTENs), so anything readable means the server said goodbye: a restart sends a
    /// termination notice and then closes. One zero-wait `poll` tells.
    var isUsable: Bool {
        guard PQstatus(connection) == CONNECTION_OK else { return false }
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    /// Runs a statement without parameters (transaction control, DDL).
    @discardableResult
    func execute(_ sql: String) throws -> PostgreSQLRows {
        try rows(of: PQexec(connection, sql))
    }

    /// Runs a statement with text parameters, preparing it on this connection the first time.
    @discardableResult
    func execute(_ statement: PostgreSQLStatement, _ parameters: [String?] = []) throws -> PostgreSQLRows {
        if !prepared.contains(statement.name) {
            _ = try rows(of: PQprepare(connection, statement.name, statement.sql, Int32(parameters.count), nil))
            prepared.insert(statement.name)
        }
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let result = copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { values in
            PQexecPrepared(connection, statement.name, Int32(values.count), values.baseAddress, nil, nil, 0)
        }
        return try rows(of: result)
    }

    /// `BEGIN` … `COMMIT` around `body`, rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    /// Copies a result out and frees it; an error result becomes a thrown `PostgreSQLError`.
    private func rows(of result: OpaquePointer?) throws -> PostgreSQLRows {
        guard let result else {
            throw PostgreSQLError(kind: .connection, message: Self.text(PQerrorMessage(connection)))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            let rowCount = PQntuples(result), columnCount = PQnfields(result)
            var rows: [[String?]] = []
            rows.reserveCapacity(Int(rowCount))
            for row in 0..<rowCount {
                rows.append((0..<columnCount).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                })
            }
            return PostgreSQLRows(rows: rows, affected: Int(String(cString: PQcmdTuples(result))) ?? 0)
        default:
            let sqlState = Self.field(result, "C")
            // Shutdown, crash recovery and lost connections (57P0x, 08xxx) end this connection too.
            let connectionEnded = PQstatus(connection) != CONNECTION_OK
                || sqlState.map { $0.hasPrefix("57P0") || $0.hasPrefix("08") } ?? false
            throw PostgreSQLError(
                kind: connectionEnded ? .connection : .statement,
                message: Self.text(PQresultErrorMessage(result)),
                sqlState: sqlState,
                constraint: Self.field(result, "n")
            )
        }
    }

    private static func field(_ result: OpaquePointer, _ code: Unicode.Scalar) -> String? {
        PQresultErrorField(result, Int32(code.value)).map { String(cString: $0) }
    }

    private static func text(_ message: UnsafePointer<CChar>?) -> String {
        message.map { String(cString: $0) }?.trimmingTrailingNewlines() ?? ""
    }
}

/// A named statement, prepared on each connection the first time that connection runs it.
struct PostgreSQLStatement: Sendable {
    let name: String
    let sql: String
}

/// A statement's rows as text (nil for NULL), and how many rows it changed.
struct PostgreSQLRows {
    let rows: [[String?]]
    let affected: Int
}

struct PostgreSQLError: Error, CustomStringConvertible {
    enum Kind {
        /// The server could not be reached or the connection broke: the connection is unusable.
        case connection
        /// The server refused a statement; the connection is still good.
        case statement
    }

    let kind: Kind
    let message: String
    var sqlState: String? = nil
    var constraint: String? = nil

    var description: String {
        "PostgreSQL \(sqlState.map { "error \($0)" } ?? "connection failure"): \(message)"
    }
}

private extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
