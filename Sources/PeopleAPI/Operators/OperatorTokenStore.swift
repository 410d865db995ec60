/// Where operator tokens are kept: names, creation times and SHA-256 digests, never tokens.
public protocol OperatorTokenStore: Sendable {
    /// Stores a new token's digest under a name; throws `OperatorTokenError.nameTaken` when the name is in use.
    func addToken(name: String, digest: [UInt8], createdAt: String) throws
    /// Every token's name and creation time, oldest first.
    func tokenNames() throws -> [OperatorTokenListing]
    /// Removes the named token; false when there was none.
    func revokeToken(name: String) throws -> Bool
    /// Every stored name and digest, read afresh on each call so that a revoke counts at once.
    func tokenDigests() throws -> [(name: String, digest: [UInt8])]
}

public struct OperatorTokenListing: Sendable, Equatable {
    public let name: String
    public let createdAt: String

    public init(name: String, createdAt: String) {
        self.name = name
        self.createdAt = createdAt
    }
}

public enum OperatorTokenError: Error, Equatable {
    case nameTaken(String)
    case invalidName(String)
    case unknownName(String)
}
