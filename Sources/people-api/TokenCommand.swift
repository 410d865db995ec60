import ArgumentParser
import Foundation
import PeopleAPI

/// `people-api token create|list|revoke`: operator tokens, against the server's own `--database`.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke the operator tokens that reading and erasing people need.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it once, alone on the last line; only its SHA-256 digest is stored.")

        @Argument(help: "A name for the token (1-64 of A-Z a-z 0-9 . _ -); it appears in listings and log lines.")
        var name: String

        @OptionGroup var store: StoreOptions

        func run() throws {
            let token = try store.withTokens(mayCreateDatabase: true) { try $0.create(name: name) }
            printError("Created the operator token '\(name)'. It is shown only now; send it as Authorization: Bearer <token>.")
            print(token)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List token names and creation times (never the tokens).")

        @OptionGroup var store: StoreOptions

        func run() throws {
            let tokens = try store.withTokens { try $0.list() }
            if tokens.isEmpty { printError("No operator tokens yet; create one with: people-api token create NAME") }
            for token in tokens { print("\(token.name)\t\(token.createdAt)") }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by name: every responder refuses it from then on.")

        @Argument(help: "The token's name.")
        var name: String

        @OptionGroup var store: StoreOptions

        func run() throws {
            try store.withTokens { try $0.revoke(name: name) }
            printError("Revoked the operator token '\(name)'.")
        }
    }
}

extension StoreOptions {
    /// Runs a token operation, turning the store's refusals into one clear line and exit status 1.
    /// Only `create` may create the SQLite file `--database` names, and says so; `list` and
    /// `revoke` refuse a missing one.
    func withTokens<T>(mayCreateDatabase: Bool = false, _ operation: (OperatorTokens) throws -> T) throws -> T {
        do {
            let location = try location()
            let isNew = !Self.isPostgreSQL(location) && !FileManager.default.fileExists(atPath: location)
            let tokens = OperatorTokens(store: try open(mustExist: !mayCreateDatabase).tokens)
            if isNew { printError("Created a new, empty database at \(location) (--database named it).") }
            return try operation(tokens)
        } catch let error as OperatorTokenError {
            switch error {
            case .nameTaken(let name): printError("A token named '\(name)' already exists; revoke it first or choose another name.")
            case .invalidName(let name): printError("'\(name)' is not a valid token name: use 1 to 64 of A-Z a-z 0-9 . _ -")
            case .unknownName(let name): printError("There is no token named '\(name)'.")
            }
            throw ExitCode.failure
        } catch RepositoryError.unavailable(let reason) {
            printError("people-api token: the database cannot be reached: \(scrubbed(reason))")
            throw ExitCode.failure
        } catch {
            printError("people-api token: \(scrubbed("\(error)"))")
            throw ExitCode.failure
        }
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
