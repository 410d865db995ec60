import Synchronization

/// The keys whose first create is still being handled in this process, so that a
/// concurrent retry gets 409 instead of racing the first one.
final class IdempotencyGate: Sendable {
    private let inFlight = Mutex<Set<String>>([])

    /// Runs `body` holding the key, or returns nil at once when another request holds it.
    func whileHolding<T>(_ key: String, _ body: () throws -> T) rethrows -> T? {
        guard inFlight.withLock({ $0.insert(key).inserted }) else { return nil }
        defer { _ = inFlight.withLock { $0.remove(key) } }
        return try body()
    }
}
