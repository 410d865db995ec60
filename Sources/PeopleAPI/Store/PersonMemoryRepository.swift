import Synchronization

/// An in-memory store for unit tests of the layers above it.
public final class PersonMemoryRepository: PersonRepository {
    private struct State {
        /// Oldest first; a sequence number is never reused, also after an erasure.
        var people: [(sequence: Int64, person: Person)] = []
        var lastSequence: Int64 = 0
        var keys: [String: (fingerprint: String, personID: String, storedAt: Int)] = [:]
        /// Keys whose create is between its claim and its commit.
        var claimed: Set<String> = []
    }

    private let state = Mutex(State())
    /// Set to make every call throw, as a store that cannot be reached does.
    public let isUnavailable = Atomic<Bool>(false)
    private let signingKey: [UInt8]
    private let clock: IdempotencyClock

    /// Runs between a keyed create's claim and its commit: tests hold a create in flight with it.
    private let whileInFlight: @Sendable () -> Void

    public init(clock: IdempotencyClock = .system, whileInFlight: @escaping @Sendable () -> Void = {}) {
        self.whileInFlight = whileInFlight
        self.clock = clock
        signingKey = SecureRandom.bytes(32)
    }

    public func cursorSigningKey() throws -> [UInt8] {
        try checkHealth()
        return signingKey
    }

    public func create(_ submission: NewPerson, idempotency: IdempotencyRecord?) throws -> CreateOutcome {
        try checkHealth()
        guard let key = idempotency?.key else { return try commit(submission, idempotency: nil) }
        guard state.withLock({ $0.claimed.insert(key).inserted }) else { throw RepositoryError.idempotencyKeyInUse }
        defer { _ = state.withLock { $0.claimed.remove(key) } }
        whileInFlight()
        return try commit(submission, idempotency: idempotency)
    }

    private func commit(_ submission: NewPerson, idempotency: IdempotencyRecord?) throws -> CreateOutcome {
        let now = clock.milliseconds()
        defer { _ = try? expireIdempotencyRecords(limit: IdempotencyClock.expiredPerCreate) }
        return try state.withLock { state in
            if let idempotency, let stored = state.keys[idempotency.key] {
                return try idempotency.replay(storedFingerprint: stored.fingerprint,
                                              person: state.people.first { $0.person.id == stored.personID }?.person)
            }
            guard !state.people.contains(where: { $0.person.email.lowercased() == submission.emailKey }) else {
                throw RepositoryError.emailTaken
            }
            let person = Person(assigningIdentityTo: submission)
            state.lastSequence += 1
            state.people.append((state.lastSequence, person))
            if let idempotency { state.keys[idempotency.key] = (idempotency.fingerprint, person.id, now) }
            return .created(person)
        }
    }

    public func find(id: String) throws -> Person? {
        try checkHealth()
        return state.withLock { state in state.people.first { $0.person.id == id }?.person }
    }

    public func list(limit: Int, after cursor: PageCursor?) throws -> PersonPage {
        try checkHealth()
        return state.withLock { state in
            let older = state.people.filter { $0.sequence < cursor?.sequence ?? .max }
            return PersonPage(newestFirst: older.suffix(limit + 1).reversed().map { ($0.person, $0.sequence) }, limit: limit)
        }
    }

    public func erase(id: String) throws -> Bool {
        try checkHealth()
        return state.withLock { state in
            guard let index = state.people.firstIndex(where: { $0.person.id == id }) else { return false }
            state.people.remove(at: index)
            state.keys = state.keys.filter { $0.value.personID != id }
            return true
        }
    }

    public func expireIdempotencyRecords(limit: Int) throws -> Int {
        try checkHealth()
        let cutoff = clock.milliseconds() - IdempotencyClock.retentionMilliseconds
        return state.withLock { state in
            let expired = state.keys.filter { $0.value.storedAt < cutoff }.sorted { $0.value.storedAt < $1.value.storedAt }.prefix(limit)
            for (key, _) in expired { state.keys.removeValue(forKey: key) }
            return expired.count
        }
    }

    public func checkHealth() throws {
        if isUnavailable.load(ordering: .relaxed) { throw RepositoryError.unavailable("memory store switched off") }
    }
}
