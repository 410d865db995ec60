/// The clock by which idempotency records age, injected by tests that need a day to pass.
public struct IdempotencyClock: Sendable {
    /// The contract remembers keys for at least 24 hours; records older than that are deleted.
    public static let retentionMilliseconds = 24 * 60 * 60 * 1000
    /// How many expired records each keyed create deletes: more than it adds, so the backlog
    /// shrinks whatever the rate, and never so many that one create pays for a long outage.
    public static let expiredPerCreate = 16

    /// Milliseconds since the Unix epoch.
    public let milliseconds: @Sendable () -> Int

    public init(milliseconds: @escaping @Sendable () -> Int) {
        self.milliseconds = milliseconds
    }

    public static let system = IdempotencyClock(milliseconds: { Timestamp.milliseconds() })

    /// When a record stored now was stored (RFC 3339, which sorts as time does).
    public func timestamp() -> String {
        Self.format(milliseconds())
    }

    /// Records stored before this have expired.
    public func expiryCutoff() -> String {
        Self.format(milliseconds() - Self.retentionMilliseconds)
    }

    private static func format(_ milliseconds: Int) -> String {
        Timestamp.format(seconds: milliseconds / 1000, milliseconds: milliseconds % 1000)
    }
}
