/// The rules every store applies the same way, kept here once so the three stores cannot drift.

extension PersonPage {
    /// One row of a newest-first read, with the sequence number that orders the list.
    public typealias Row = (person: Person, sequence: Int64)

    /// The page from rows read newest first with one row more than `limit`: that extra row
    /// only tells that another page follows, and the page's last person is where it starts.
    public init(newestFirst rows: [Row], limit: Int) {
        let page = rows.prefix(limit)
        let next = rows.count > limit ? page.last.map { PageCursor(sequence: $0.sequence, personID: $0.person.id) } : nil
        self.init(items: page.map(\.person), next: next)
    }
}

extension IdempotencyRecord {
    /// What a stored record of this key means for a create: the same body replays the person it
    /// created; another body, or a record whose person is gone, is the key reused.
    public func replay(storedFingerprint: String?, person: Person?) throws -> CreateOutcome {
        guard storedFingerprint == fingerprint, let person else { throw RepositoryError.idempotencyKeyReused }
        return .replayed(person)
    }
}
