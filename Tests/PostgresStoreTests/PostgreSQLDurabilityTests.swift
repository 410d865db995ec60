import Foundation
import Testing
import PeopleAPI
@testable import PeopleStorePostgres
import StoreTestSupport

/// What a 201 and a 204 promise on PostgreSQL: commits that are synchronous whatever the
/// database's or the role's default, and erased row versions that autovacuum does not leave for months.
@Suite(.enabled(if: PostgreSQLTestServer.url != nil || PostgreSQLTestServer.isRequired, "no PostgreSQL test server"))
struct PostgreSQLDurabilityTests {
    private static func databaseName(_ url: String) -> String {
        String(url.split(separator: "?")[0].split(separator: "/").last ?? "")
    }

    @Test func commitsAreSynchronousWhateverTheDatabaseDefaultSays() throws {
        let url = try PostgreSQLTestServer.freshDatabaseURL()
        try PostgreSQLTestServer.administer("ALTER DATABASE \(Self.databaseName(url)) SET synchronous_commit = off")
        // A plain session on that database gets the weak default ...
        let plain = try PostgreSQLConnection(keywords: ["dbname"], values: [url])
        #expect(try plain.execute("SHOW synchronous_commit").rows.first?.first == "off")
        // ... and the store's own sessions do not.
        let database = PostgreSQLDatabase(url: url)
        let setting = try database.withConnection { connection in try connection.execute("SHOW synchronous_commit").rows.first?.first ?? nil }
        #expect(setting == "on")
        #expect(try database.withConnection { try PostgreSQLDurability.report(on: $0) }.warnings.isEmpty)
    }

    @Test func erasedRowVersionsAreLeftToAutovacuumWithNoThreshold() throws {
        let url = try PostgreSQLTestServer.freshDatabaseURL()
        try PostgreSQLDatabase(url: url).open()
        let options = try PostgreSQLConnection(keywords: ["dbname"], values: [url]).execute("""
            SELECT relname, array_to_string(reloptions, ',') FROM pg_class
            WHERE relname IN ('person', 'idempotency_key') ORDER BY relname
            """).rows
        #expect(options.count == 2)
        for row in options {
            #expect(row[1]?.contains("autovacuum_vacuum_threshold=0") == true, "\(row)")
            #expect(row[1]?.contains("autovacuum_vacuum_scale_factor=0") == true, "\(row)")
        }
    }

    @Test func aServerThatDoesNotSyncIsNamedInAWarning() {
        let report = PostgreSQLDurability.Report(synchronousCommit: "on", fsync: "off", autovacuum: "on")
        #expect(report.warnings.count == 1)
        #expect(report.warnings.first?.contains("fsync = off") == true)
    }
}
