import PeopleAPI
import Logging

/// Makes every commit of this store synchronous, whatever the server's or the role's default,
/// and reads back what the server does with it.
///
/// With `synchronous_commit = off` (or `local` on a primary whose standbys matter), PostgreSQL
/// answers COMMIT before the WAL reaches the disk: a 201 for a person that a power cut then
/// loses. The setting is per session, so every connection sets it when it opens and checks
/// that it took. `fsync = off` is the server's own choice and no session can undo it: the
/// store logs a warning when it first reaches the server (see `warnIfWeak`).
public enum PostgreSQLDurability {
    static func enforce(on connection: PostgreSQLConnection) throws {
        try connection.execute("SET synchronous_commit = on")
        let value = try connection.execute("SHOW synchronous_commit").rows.first?.first ?? nil
        guard value == "on" else {
            throw PostgreSQLError(kind: .statement, message: "synchronous_commit did not stay on (the server says \(value ?? "nothing"))")
        }
    }

    public struct Report: Sendable, Equatable {
        /// This session's `synchronous_commit` (always "on": `enforce` checked it).
        public let synchronousCommit: String
        /// The server's `fsync`: "off" means no commit is durable, whatever a session asks.
        public let fsync: String
        /// The server's `autovacuum`: "off" means erased people's row versions stay until a manual VACUUM.
        public let autovacuum: String

        /// Warnings for an operator, empty when the server keeps every promise.
        public var warnings: [String] {
            var warnings: [String] = []
            if fsync != "on" {
                warnings.append("the PostgreSQL server runs with fsync = \(fsync): a power cut can lose acknowledged people")
            }
            if autovacuum != "on" {
                warnings.append("the PostgreSQL server runs with autovacuum = \(autovacuum): erased people's row versions stay in the table's files until a VACUUM")
            }
            return warnings
        }
    }

    /// Once per process, when the schema is first checked: the operator learns at start that
    /// the server does not keep what a 201 promises.
    static func warnIfWeak(_ report: Report) {
        let logger = Logger(label: "people-api")
        for warning in report.warnings { logger.warning("\(warning)") }
    }

    static func report(on connection: PostgreSQLConnection) throws -> Report {
        func show(_ name: String) throws -> String {
            try connection.execute("SHOW \(name)").rows.first?.first.flatMap { $0 } ?? "unknown"
        }
        return Report(synchronousCommit: try show("synchronous_commit"), fsync: try show("fsync"), autovacuum: try show("autovacuum"))
    }
}
