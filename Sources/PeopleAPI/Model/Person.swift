/// A person as the API returns it.
public struct Person: Sendable, Equatable {
    public let id: String
    public let name: String
    public let email: String
    public let age: Int?
    /// RFC 3339, UTC, milliseconds.
    public let createdAt: String

    public init(id: String, name: String, email: String, age: Int?, createdAt: String) {
        self.id = id
        self.name = name
        self.email = email
        self.age = age
        self.createdAt = createdAt
    }

    /// Gives a validated submission its server-assigned identity: a fresh id and the current time.
    public init(assigningIdentityTo submission: NewPerson) {
        self.init(
            id: PersonID.generate(),
            name: submission.name,
            email: submission.email,
            age: submission.age,
            createdAt: Timestamp.now()
        )
    }
}

/// A submission that passed validation: normalised, but not yet stored.
public struct NewPerson: Sendable, Equatable {
    public let name: String
    public let email: String
    public let age: Int?

    public init(name: String, email: String, age: Int?) {
        self.name = name
        self.email = email
        self.age = age
    }

    /// The key under which emails are unique: the whole address, case-insensitively.
    public var emailKey: String { email.lowercased() }
}
