import Foundation
import Testing
@testable import PeopleAPI
import PeopleStoreSQLite
@testable import PeopleStorePostgres
import StoreTestSupport

/// The token commands' rules, against every token store.
@Suite struct OperatorTokenStoreContractTests {
    typealias Kind = StoreKind

    /// A store, and for the persistent ones everything they wrote, as bytes to search.
    func make(_ kind: Kind) throws -> (any OperatorTokenStore, storedBytes: (() throws -> Data)?) {
        switch kind {
        case .memory: return (OperatorTokenMemoryStore(), nil)
        case .sqliteInMemory: return (OperatorTokenSQLiteStore(database: try SQLiteDatabase.inMemory()), nil)
        case .sqlite:
            let path = TemporaryFolder.file("people.sqlite")
            return (OperatorTokenSQLiteStore(database: try SQLiteDatabase(path: path)), {
                let wal = (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
                return try Data(contentsOf: URL(fileURLWithPath: path)) + wal
            })
        case .postgres:
            let url = try PostgreSQLTestServer.freshDatabaseURL()
            return (OperatorTokenPostgreSQLStore(database: PostgreSQLDatabase(url: url)), {
                let rows = try PostgreSQLConnection(keywords: ["dbname"], values: [url])
                    .execute("SELECT name, encode(digest, 'escape'), created_at FROM operator_token").rows
                return Data(rows.flatMap { $0.compactMap { $0 } }.joined(separator: "\n").utf8)
            })
        }
    }

    @Test(arguments: Kind.allCases)
    func createListRevoke(kind: Kind) throws {
        let (store, _) = try make(kind)
        let tokens = OperatorTokens(store: store)
        let first = try tokens.create(name: "ops")
        _ = try tokens.create(name: "backup")
        #expect(Set(try tokens.list().map(\.name)) == ["ops", "backup"])
        #expect(throws: OperatorTokenError.nameTaken("ops")) { try tokens.create(name: "ops") }
        #expect(throws: OperatorTokenError.invalidName("has space")) { try tokens.create(name: "has space") }
        try tokens.revoke(name: "ops")
        #expect(throws: OperatorTokenError.unknownName("ops")) { try tokens.revoke(name: "ops") }
        #expect(try tokens.list().map(\.name) == ["backup"])
        #expect(try store.tokenDigests().allSatisfy { $0.digest != OperatorToken.digest(first) })
    }

    @Test(arguments: Kind.allCases)
    func onlyTheDigestIsStored(kind: Kind) throws {
        let (store, storedBytes) = try make(kind)
        let token = try OperatorTokens(store: store).create(name: "ops")
        #expect(try store.tokenDigests().map(\.digest) == [OperatorToken.digest(token)])
        if let storedBytes {
            let bytes = try storedBytes()
            #expect(!bytes.isEmpty)
            #expect(bytes.range(of: Data(token.utf8)) == nil)
        }
    }
}
