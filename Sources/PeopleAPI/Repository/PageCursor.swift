import Foundation

/// A keyset position in the newest-first list: the sequence number and id of the
/// last person on a page. Opaque to clients (base64url); the id lets the store
/// confirm that the cursor names a real position it could have issued.
public struct PageCursor: Sendable, Equatable {
    public let sequence: Int64
    public let personID: String

    public init(sequence: Int64, personID: String) {
        self.sequence = sequence
        self.personID = personID
    }

    public var token: String {
        Data("\(sequence):\(personID)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public init?(token: String) {
        guard (1...96).contains(token.utf8.count),
              token.utf8.allSatisfy({ $0.isBase64URLCharacter }) else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
              let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = Int64(parts[0]), sequence > 0,
              let id = PersonID.canonical(String(parts[1])) else { return nil }
        self.init(sequence: sequence, personID: id)
    }
}

private extension UInt8 {
    var isBase64URLCharacter: Bool {
        isASCIIAlphanumeric || self == UInt8(ascii: "-") || self == UInt8(ascii: "_")
    }
}
