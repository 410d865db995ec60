import Crypto
import Foundation

/// A keyset position in the newest-first list: the sequence number and id of the last
/// person on a page.
///
/// Clients see it as an opaque token signed with the store's key (HMAC-SHA256): the server
/// recognises a cursor it issued without looking its position up, so a forged cursor is
/// refused and a cursor whose person was erased since still says where the next page starts.
public struct PageCursor: Sendable, Equatable {
    public let sequence: Int64
    public let personID: String

    public init(sequence: Int64, personID: String) {
        self.sequence = sequence
        self.personID = personID
    }

    public func token(signedWith key: [UInt8]) -> String {
        let payload = Data("\(sequence):\(personID)".utf8)
        let signature = Data(HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: key)))
        return Base64URL.encode(payload) + "." + Base64URL.encode(signature)
    }

    /// The position a token names, or nil when this server's key did not sign it.
    public init?(token: String, verifiedWith key: [UInt8]) {
        guard (1...200).contains(token.utf8.count),
              token.utf8.allSatisfy({ Base64URL.isAlphabet($0) || $0 == UInt8(ascii: ".") }) else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(parts[0]), let signature = Base64URL.decode(parts[1]),
              HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: payload, using: SymmetricKey(data: key)),
              let text = String(data: payload, encoding: .utf8)
        else { return nil }
        let fields = text.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2, let sequence = Int64(fields[0]), sequence > 0,
              let id = PersonID.canonical(String(fields[1])) else { return nil }
        self.init(sequence: sequence, personID: id)
    }
}
