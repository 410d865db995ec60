/// Every field that broke a rule, each with its human-readable messages.
public struct ValidationFailure: Error, Sendable, Equatable {
    public let fieldErrors: [String: [String]]

    public init(fieldErrors: [String: [String]]) {
        self.fieldErrors = fieldErrors
    }
}

/// The messages a client shows next to a field; kept in one place so the page,
/// the tests and the OpenAPI examples can rely on the wording.
public enum ValidationMessage {
    public static let required = "This field is required."
    public static let notAString = "Must be a string."
    public static let blankName = "Must not be blank."
    public static let nameTooLong = "Must be at most \(PersonRules.maxNameLength) characters."
    public static let controlCharacters = "Must not contain control characters."
    public static let invalidEmail = "Enter a valid email address."
    public static let emailTooLong = "Must be at most \(PersonRules.maxEmailLength) characters."
    public static let emailTaken = "This email address is already taken."
    public static let invalidAge = "Must be a whole number from \(PersonRules.ageRange.lowerBound) to \(PersonRules.ageRange.upperBound)."
    public static let unknownField = "Unknown field."
    public static let serverAssigned = "Unknown field: the server assigns it."
}

public enum PersonRules {
    public static let maxNameLength = 100
    public static let maxEmailLength = 254
    public static let ageRange = 0...150
    public static let serverAssignedFields: Set<String> = ["id", "created_at"]
}
