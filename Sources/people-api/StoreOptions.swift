import ArgumentParser
import PeopleAPI
import PeopleStorePostgres
import PeopleStoreSQLite

/// `--database`, shared by the server and the token commands so that both open the same store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A postgresql:// (or postgres://) URL, or the path of an SQLite file (created, with its folder, if missing).",
        valueName: "url-or-path"))
    var database = "var/people.sqlite"

    /// PostgreSQL for a `postgresql://` URL, SQLite for anything else (a path).
    var isPostgreSQL: Bool {
        database.hasPrefix("postgresql://") || database.hasPrefix("postgres://")
    }

    /// Where log lines say the data is: the URL without its password.
    var displayName: String {
        guard isPostgreSQL, let at = database.firstIndex(of: "@"),
              let colon = database[database.index(database.startIndex, offsetBy: "postgres://".count)..<at].firstIndex(of: ":")
        else { return database }
        return String(database[..<colon]) + ":…" + String(database[at...])
    }

    /// The stores the application needs, all over one database. `connectNow` reaches the
    /// server at once (commands); a responder passes false, so that it starts and answers 503
    /// while PostgreSQL is down, and recovers by itself when it is back.
    func open(connectNow: Bool = true) throws -> (people: any PersonRepository, tokens: any OperatorTokenStore) {
        if isPostgreSQL {
            let postgres = PostgreSQLDatabase(url: database)
            if connectNow { try postgres.open() }
            return (PersonPostgreSQLRepository(database: postgres), OperatorTokenPostgreSQLStore(database: postgres))
        }
        let sqlite = try SQLiteDatabase(path: database)
        return (PersonSQLiteRepository(database: sqlite), OperatorTokenSQLiteStore(database: sqlite))
    }
}
