import Synchronization

/// An in-memory store for unit tests of the layers above it.
public final class PersonMemoryRepository: PersonRepository {
    private struct State {
        var people: [Person] = []  // index + 1 is the sequence number
        var sequenceByID: [String: Int] = [:]
        var emailKeys: Set<String> = []
        var keys: [String: (fingerprint: String, personID: String)] = [:]
    }

    private let state = Mutex(State())
    /// Set to make every call throw, as a store that cannot be reached does.
    public let isUnavailable = Atomic<Bool>(false)

    public init() {}

    public func create(_ submission: NewPerson, idempotency: IdempotencyRecord?) throws -> CreateOutcome {
        try checkHealth()
        return try state.withLock { state in
            if let idempotency, let stored = state.keys[idempotency.key] {
                guard stored.fingerprint == idempotency.fingerprint,
                      let sequence = state.sequenceByID[stored.personID] else { throw RepositoryError.idempotencyKeyReused }
                return .replayed(state.people[sequence - 1])
            }
            guard !state.emailKeys.contains(submission.emailKey) else { throw RepositoryError.emailTaken }
            let person = Person(assigningIdentityTo: submission)
            state.people.append(person)
            state.sequenceByID[person.id] = state.people.count
            state.emailKeys.insert(submission.emailKey)
            if let idempotency { state.keys[idempotency.key] = (idempotency.fingerprint, person.id) }
            return .created(person)
        }
    }

    public func find(id: String) throws -> Person? {
        try checkHealth()
        return state.withLock { state in state.sequenceByID[id].map { state.people[$0 - 1] } }
    }

    public func list(limit: Int, after cursor: PageCursor?) throws -> PersonPage {
        try checkHealth()
        return try state.withLock { state in
            var end = state.people.count
            if let cursor {
                guard state.sequenceByID[cursor.personID] == Int(cursor.sequence) else { throw RepositoryError.unknownCursor }
                end = Int(cursor.sequence) - 1
            }
            let start = max(0, end - limit)
            let items = Array(state.people[start..<end].reversed())
            let next = start > 0 ? items.last.map { PageCursor(sequence: Int64(start + 1), personID: $0.id) } : nil
            return PersonPage(items: items, next: next)
        }
    }

    public func checkHealth() throws {
        if isUnavailable.load(ordering: .relaxed) { throw RepositoryError.unavailable("memory store switched off") }
    }
}
