import ArgumentParser
import Foundation
import Glibc
import PeopleAPI
import PeopleStorePostgres
import PeopleStoreSQLite

/// Where the data is, shared by the server and the token commands so that both open the same
/// store. Nothing is assumed: with none of these given, the command stops instead of creating
/// a database in whatever folder it was started from.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The path of an SQLite file, or a postgresql:// URL without a password (a command line is visible to every local user). A URL with a password: PEOPLE_API_DATABASE_URL or DATABASE_URL in the environment, or --database-url-file.",
        valueName: "path-or-url"))
    var database: String?

    @Option(name: .long, help: ArgumentHelp(
        "A file whose first line is the postgresql:// URL (systemd: LoadCredential=database-url:/etc/people-api/database-url, then --database-url-file %d/database-url).",
        valueName: "file"))
    var databaseURLFile: String?

    static let environmentNames = ["PEOPLE_API_DATABASE_URL", "DATABASE_URL"]

    mutating func validate() throws {
        _ = try location()
    }

    /// The database to open: --database, --database-url-file, or the environment, in that order.
    func location() throws -> String {
        if database != nil && databaseURLFile != nil {
            throw ValidationError("Give --database or --database-url-file, not both.")
        }
        if let database {
            guard !database.isEmpty else { throw ValidationError("--database is empty.") }
            if Self.isPostgreSQL(database), Self.hasPassword(database) {
                throw ValidationError("--database holds a password, which every local user can read in the process list: put the URL in PEOPLE_API_DATABASE_URL or in a file named by --database-url-file.")
            }
            return database
        }
        if let databaseURLFile {
            guard let text = try? String(contentsOfFile: databaseURLFile, encoding: .utf8),
                  let line = text.split(whereSeparator: \.isNewline).first.map(String.init), !line.isEmpty
            else { throw ValidationError("--database-url-file: cannot read a URL from '\(databaseURLFile)'.") }
            return line.trimmingCharacters(in: .whitespaces)
        }
        for name in Self.environmentNames {
            if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty { return value }
        }
        throw ValidationError("No database given: pass --database PATH (an SQLite file), or a postgresql:// URL in PEOPLE_API_DATABASE_URL or --database-url-file. Nothing was created.")
    }

    var isPostgreSQL: Bool { ((try? location()).map(Self.isPostgreSQL)) ?? false }

    static func isPostgreSQL(_ location: String) -> Bool {
        location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }

    /// Whether the URL holds a password (`user:password@`, or a `password=` parameter).
    static func hasPassword(_ url: String) -> Bool { !passwords(url).isEmpty }

    /// The passwords a postgresql:// URL holds, as written in it.
    static func passwords(_ url: String) -> [Substring] {
        guard isPostgreSQL(url), let scheme = url.range(of: "://") else { return [] }
        var found: [Substring] = []
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
            found.append(rest[rest.index(after: colon)..<at])
        }
        var searchFrom = url.startIndex
        while let parameter = url.range(of: #"[?&]password="#, options: .regularExpression, range: searchFrom..<url.endIndex) {
            let value = url[parameter.upperBound...].prefix { $0 != "&" && $0 != "#" }
            found.append(value)
            searchFrom = value.endIndex
        }
        return found.filter { !$0.isEmpty }
    }

    /// The only way a database is ever shown (log lines, messages): a URL without its passwords.
    static func redacted(_ location: String) -> String {
        var shown = location
        for password in passwords(location).reversed() {
            let start = shown.index(shown.startIndex, offsetBy: location.distance(from: location.startIndex, to: password.startIndex))
            let end = shown.index(start, offsetBy: password.count)
            shown.replaceSubrange(start..<end, with: "***")
        }
        return shown
    }

    /// Where log lines say the data is: the URL without its password.
    var displayName: String { Self.redacted((try? location()) ?? "") }

    /// Any text about the database (an error from its driver) with the URL's passwords hidden.
    func scrubbed(_ text: String) -> String {
        guard let location = try? location() else { return text }
        var text = text.replacingOccurrences(of: location, with: Self.redacted(location))
        for password in Self.passwords(location) { text = text.replacingOccurrences(of: String(password), with: "***") }
        return text
    }

    /// The stores the application needs, all over one database. `connectNow` reaches the
    /// server at once (commands); a responder passes false, so that it starts and answers 503
    /// while PostgreSQL is down, and recovers by itself when it is back. `mustExist` refuses
    /// an SQLite file that is not there yet (the token commands: only a server creates one).
    ///
    /// Everything the process creates from here on (the store, its WAL and SHM, its folder) is
    /// its owner's alone: files 0600, folders 0700.
    func open(connectNow: Bool = true, mustExist: Bool = false) throws -> (people: any PersonRepository, tokens: any OperatorTokenStore) {
        umask(0o077)
        let location = try location()
        if Self.isPostgreSQL(location) {
            let postgres = PostgreSQLDatabase(url: location)
            if connectNow { try postgres.open() }
            return (PersonPostgreSQLRepository(database: postgres), OperatorTokenPostgreSQLStore(database: postgres))
        }
        if mustExist && !FileManager.default.fileExists(atPath: location) {
            throw StoreOptionsError.noDatabase(location)
        }
        let sqlite = try SQLiteDatabase(path: location)
        return (PersonSQLiteRepository(database: sqlite), OperatorTokenSQLiteStore(database: sqlite))
    }
}

enum StoreOptionsError: Error, CustomStringConvertible {
    case noDatabase(String)

    var description: String {
        switch self {
        case .noDatabase(let path):
            "There is no database at \(path); nothing was created. The server creates it on its first start (make run, or people-api serve --database \(path))."
        }
    }
}
