/// Decides whether a request carries a valid operator token, and whose it is.
struct OperatorAuthenticator: Sendable {
    let store: any OperatorTokenStore

    /// The name of the token presented as `Authorization: Bearer <token>`; otherwise throws
    /// `OperatorAuthenticationFailure`, saying whether any credential was sent.
    func authenticate(authorization: String?) throws -> String {
        // `Bearer` with nothing after it (a script's empty $TOKEN) sent no token either.
        guard let authorization, ![[], ["bearer"]].contains(authorization.split(separator: " ").map { $0.lowercased() })
        else { throw OperatorAuthenticationFailure.noToken }
        guard let token = Self.bearerToken(authorization) else { throw OperatorAuthenticationFailure.tokenNotAccepted }
        let digest = OperatorToken.digest(token)
        // Every stored digest is compared, each in constant time: the time taken says
        // nothing about which token, or how much of one, matched.
        var match: String?
        for stored in try store.tokenDigests() where OperatorToken.digestsMatch(stored.digest, digest) {
            match = stored.name
        }
        guard let match else { throw OperatorAuthenticationFailure.tokenNotAccepted }
        return match
    }

    /// `Bearer <token68>` (RFC 6750 §2.1), the scheme in any case; nil for anything else.
    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1]
        guard token.utf8.count <= 512, let first = token.utf8.first, first != UInt8(ascii: "=") else { return nil }
        let body = token.utf8.prefix { $0 != UInt8(ascii: "=") }
        let isToken68 = body.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"): true
            default: byte.isASCIIAlphanumeric
            }
        } && token.utf8.dropFirst(body.count).allSatisfy { $0 == UInt8(ascii: "=") }
        return isToken68 ? String(token) : nil
    }
}

/// Why a request is not an operator's: no token at all, or one that is not a valid bearer token
/// of a live operator (unknown, revoked or malformed: the difference is not told).
enum OperatorAuthenticationFailure: Error, Equatable {
    case noToken
    case tokenNotAccepted
}
