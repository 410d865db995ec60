import ArgumentParser
import PeopleAPI

/// `--database`, shared by the server and the token commands so that both open the same store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database file; created, with its folder, if missing.", valueName: "path"))
    var database = "var/people.sqlite"

    /// The stores the application needs, all over one database.
    func open() throws -> (people: any PersonRepository, tokens: any OperatorTokenStore) {
        let sqlite = try SQLiteDatabase(path: database)
        return (PersonSQLiteRepository(database: sqlite), OperatorTokenSQLiteStore(database: sqlite))
    }
}
