import Foundation
@testable import PeopleStorePostgres

/// The PostgreSQL server `scripts/test.sh` starts for these tests (initdb into a temporary
/// folder, stopped by its PID afterwards), named by `PEOPLE_API_TEST_POSTGRES_URL`. Each
/// test gets a database of its own on it. Without the variable the PostgreSQL cases are not
/// run, unless `CI` is set: there a missing server is a failure, not a skip.
public enum PostgreSQLTestServer {
    public static let url = ProcessInfo.processInfo.environment["PEOPLE_API_TEST_POSTGRES_URL"]

    public static var isRequired: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// A new, empty database on the test server, as a URL.
    public static func freshDatabaseURL() throws -> String {
        guard let url, url.contains("/people?") else { throw NoTestServer() }
        let name = "people_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try administer("CREATE DATABASE \(name)")
        return url.replacingOccurrences(of: "/people?", with: "/\(name)?")
    }

    /// Runs one statement as the server's superuser, on the `people` database.
    public static func administer(_ sql: String) throws {
        guard let url else { throw NoTestServer() }
        try PostgreSQLConnection(keywords: ["dbname"], values: [url]).execute(sql)
    }

    public struct NoTestServer: Error, CustomStringConvertible {
        public var description: String { "PEOPLE_API_TEST_POSTGRES_URL is not set: scripts/test.sh starts a server and sets it" }
    }
}
