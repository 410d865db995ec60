/// Creating, listing and revoking operator tokens: what `people-api token …` does.
public struct OperatorTokens: Sendable {
    let store: any OperatorTokenStore

    public init(store: any OperatorTokenStore) {
        self.store = store
    }

    /// Returns the new token, the only time it exists outside the operator's hands.
    public func create(name: String) throws -> String {
        guard OperatorToken.isValidName(name) else { throw OperatorTokenError.invalidName(name) }
        let token = OperatorToken.generate()
        try store.addToken(name: name, digest: OperatorToken.digest(token), createdAt: Timestamp.now())
        return token
    }

    public func list() throws -> [OperatorTokenListing] {
        try store.tokenNames()
    }

    public func revoke(name: String) throws {
        guard try store.revokeToken(name: name) else { throw OperatorTokenError.unknownName(name) }
    }
}
