/// Bytes from the system's CSPRNG (`getrandom`), for secrets: operator tokens and the key
/// that signs list cursors.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
