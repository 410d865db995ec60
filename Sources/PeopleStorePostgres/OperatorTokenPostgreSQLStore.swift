import PeopleAPI

/// Operator tokens in the same PostgreSQL database as the people they guard.
public final class OperatorTokenPostgreSQLStore: OperatorTokenStore {
    private let database: PostgreSQLDatabase

    public init(database: PostgreSQLDatabase) {
        self.database = database
    }

    private static let insertToken = PostgreSQLStatement(name: "insert_token", sql: """
        INSERT INTO operator_token (name, digest, created_at) VALUES ($1, decode($2, 'hex'), $3)
        """)
    private static let listNames = PostgreSQLStatement(name: "token_names", sql: """
        SELECT name, created_at FROM operator_token ORDER BY created_at, name
        """)
    private static let revoke = PostgreSQLStatement(name: "revoke_token", sql: "DELETE FROM operator_token WHERE name = $1")
    private static let digests = PostgreSQLStatement(name: "token_digests", sql: """
        SELECT name, encode(digest, 'hex') FROM operator_token
        """)

    public func addToken(name: String, digest: [UInt8], createdAt: String) throws {
        try database.withConnection { connection in
            do {
                try connection.execute(Self.insertToken, [name, Hex.encode(digest), createdAt])
            } catch let error as PostgreSQLError where error.sqlState == "23505" && error.constraint == "operator_token_pkey" {
                throw OperatorTokenError.nameTaken(name)
            }
        }
    }

    public func tokenNames() throws -> [OperatorTokenListing] {
        try database.withConnection { connection in
            try connection.execute(Self.listNames).rows.compactMap { row in
                guard let name = row[0], let createdAt = row[1] else { return nil }
                return OperatorTokenListing(name: name, createdAt: createdAt)
            }
        }
    }

    public func revokeToken(name: String) throws -> Bool {
        try database.withConnection { connection in try connection.execute(Self.revoke, [name]).affected > 0 }
    }

    public func tokenDigests() throws -> [(name: String, digest: [UInt8])] {
        try database.withConnection { connection in
            try connection.execute(Self.digests).rows.compactMap { row in
                guard let name = row[0], let digest = row[1].flatMap(Hex.decode) else { return nil }
                return (name: name, digest: digest)
            }
        }
    }
}
