import Crypto

/// An operator's bearer token and the rules around it.
public enum OperatorToken {
    /// 256 bits from the system's CSPRNG (`getrandom`), base64url: 43 URL-safe characters.
    public static func generate() -> String {
        Base64URL.encode(SecureRandom.bytes(32))
    }

    /// SHA-256 of the token as sent: all that is ever stored of it.
    public static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// Names show up in listings and log lines: 1–64 of `A-Za-z0-9._-`.
    public static func isValidName(_ name: String) -> Bool {
        isShortSafeLabel(name)
    }

    /// Compares two digests in time that depends on their length only, never on where they differ.
    static func digestsMatch(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
