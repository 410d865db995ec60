import Synchronization

/// An in-memory token store for unit tests of the layers above it.
public final class OperatorTokenMemoryStore: OperatorTokenStore {
    private let tokens = Mutex<[(name: String, digest: [UInt8], createdAt: String)]>([])

    public init() {}

    public func addToken(name: String, digest: [UInt8], createdAt: String) throws {
        try tokens.withLock { tokens in
            guard !tokens.contains(where: { $0.name == name }) else { throw OperatorTokenError.nameTaken(name) }
            tokens.append((name, digest, createdAt))
        }
    }

    public func tokenNames() throws -> [OperatorTokenListing] {
        tokens.withLock { $0.map { OperatorTokenListing(name: $0.name, createdAt: $0.createdAt) } }
    }

    public func revokeToken(name: String) throws -> Bool {
        tokens.withLock { tokens in
            guard let index = tokens.firstIndex(where: { $0.name == name }) else { return false }
            tokens.remove(at: index)
            return true
        }
    }

    public func tokenDigests() throws -> [(name: String, digest: [UInt8])] {
        tokens.withLock { $0.map { ($0.name, $0.digest) } }
    }
}
