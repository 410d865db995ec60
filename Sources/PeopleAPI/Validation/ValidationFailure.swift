/// Every field that broke a rule, in the order clients see them: by field name (as the
/// envelope's `errors` lists them), then in the order the rules were checked.
public struct ValidationFailure: Error, Sendable, Equatable {
    public let violations: [Violation]

    public init(violations: [Violation]) {
        if violations.indices.dropFirst().allSatisfy({ violations[$0 - 1].field <= violations[$0].field }) {
            self.violations = violations
            return
        }
        // A stable sort: a field's own problems keep the order the validator found them in.
        self.violations = violations.enumerated()
            .sorted { $0.element.field == $1.element.field ? $0.offset < $1.offset : $0.element.field < $1.element.field }
            .map(\.element)
    }

    /// The envelope's `errors`: field → messages.
    public var fieldErrors: [String: [String]] {
        violations.reduce(into: [:]) { errors, violation in errors[violation.field, default: []].append(violation.message) }
    }
}

/// One problem with one field: `{"field": ..., "code": ..., "message": ...}` in the envelope.
public struct Violation: Sendable, Equatable {
    public let field: String
    public let problem: FieldProblem

    public init(field: String, _ problem: FieldProblem) {
        self.field = field
        self.problem = problem
    }

    public var code: String { problem.code.rawValue }
    public var message: String { problem.message }
}

/// The contract's closed list of field codes, stable across releases.
public enum FieldCode: String, Sendable, CaseIterable {
    case required, notAString = "not_a_string", blank, tooLong = "too_long", controlCharacters = "control_characters"
    case invalidEmail = "invalid_email", notAWholeNumber = "not_a_whole_number", outOfRange = "out_of_range"
    case unknownField = "unknown_field", taken
}

/// A rule's code and the message a client shows next to the field, side by side so that
/// the two can never drift: the validator names a problem, never a bare string.
public struct FieldProblem: Sendable, Equatable {
    public let code: FieldCode
    public let message: String

    public static let required = FieldProblem(code: .required, message: "This field is required.")
    public static let notAString = FieldProblem(code: .notAString, message: "Must be a string.")
    public static let blank = FieldProblem(code: .blank, message: "Must not be blank.")
    public static let nameTooLong = FieldProblem(code: .tooLong, message: "Must be at most \(PersonRules.maxNameLength) characters.")
    public static let controlCharacters = FieldProblem(code: .controlCharacters, message: "Must not contain control characters.")
    public static let invalidEmail = FieldProblem(code: .invalidEmail, message: "Enter a valid email address.")
    public static let emailTooLong = FieldProblem(code: .tooLong, message: "Must be at most \(PersonRules.maxEmailLength) characters.")
    public static let taken = FieldProblem(code: .taken, message: "This email address is already taken.")
    public static let ageNotWhole = FieldProblem(code: .notAWholeNumber, message: ageMessage)
    public static let ageOutOfRange = FieldProblem(code: .outOfRange, message: ageMessage)
    public static let unknownField = FieldProblem(code: .unknownField, message: "Unknown field.")
    public static let serverAssigned = FieldProblem(code: .unknownField, message: "Unknown field: the server assigns it.")

    /// One sentence for every age problem: what a person must type is the same whichever rule failed.
    private static let ageMessage = "Must be a whole number from \(PersonRules.ageRange.lowerBound) to \(PersonRules.ageRange.upperBound)."
}

public enum PersonRules {
    public static let maxNameLength = 100
    public static let maxEmailLength = 254
    public static let ageRange = 0...150
    public static let serverAssignedFields: Set<String> = ["id", "created_at"]
}
