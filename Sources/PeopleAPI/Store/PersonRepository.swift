/// Storage of people, behind which SQLite (embedded) or a server database sits.
public protocol PersonRepository: Sendable {
    /// Stores a new person, and with it (in the same transaction) the idempotency key when one is given.
    /// A key already stored with the same fingerprint replays its person; with another fingerprint it throws `.idempotencyKeyReused`.
    /// A key that another create, in any process, is still handling throws `.idempotencyKeyInUse`: the store, not a process's
    /// memory, holds that claim, and a claim whose owner died lapses.
    func create(_ submission: NewPerson, idempotency: IdempotencyRecord?) throws -> CreateOutcome
    /// The person with this canonical id, or nil.
    func find(id: String) throws -> Person?
    /// One page of people, newest first, starting after the cursor (which may name an erased person).
    func list(limit: Int, after cursor: PageCursor?) throws -> PersonPage
    /// Removes the person and every idempotency record holding a copy of them, in one transaction; false when there was no such person.
    func erase(id: String) throws -> Bool
    /// Deletes up to `limit` idempotency records older than `IdempotencyClock.retentionMilliseconds`,
    /// oldest first, and says how many. Keyed creates call it too, so nothing has to schedule it.
    func expireIdempotencyRecords(limit: Int) throws -> Int
    /// Throws when the store cannot be reached.
    func checkHealth() throws
    /// A secret shared by every process on this store, with which list cursors are signed.
    func cursorSigningKey() throws -> [UInt8]
}

/// What a create with an `Idempotency-Key` leaves behind for its retries.
public struct IdempotencyRecord: Sendable, Equatable {
    public let key: String
    /// A digest of the request body: the same key with another body is a client error.
    public let fingerprint: String

    public init(key: String, fingerprint: String) {
        self.key = key
        self.fingerprint = fingerprint
    }
}

public enum CreateOutcome: Sendable, Equatable {
    case created(Person)
    /// The key was seen before with the same body: this is the person that request created.
    case replayed(Person)
}

public struct PersonPage: Sendable, Equatable {
    public let items: [Person]
    public let next: PageCursor?

    public init(items: [Person], next: PageCursor?) {
        self.items = items
        self.next = next
    }
}

/// Failures a caller can act on; anything else a store throws is unexpected (a 500).
public enum RepositoryError: Error, Equatable {
    case emailTaken
    case idempotencyKeyReused
    case idempotencyKeyInUse
    /// The store is locked, read-only, full or unreachable: try again later.
    case unavailable(String)
}
