/// Pure validation of a submitted person: a parsed JSON object in, a normalised
/// `NewPerson` or every field problem at once out. No I/O.
public enum PersonValidator {
    public static func validate(_ submission: [String: JSONValue]) -> Result<NewPerson, ValidationFailure> {
        var violations: [Violation] = []
        // In the order clients see them (by field name), so that most failures need no sort.
        let age = record(validateAge(submission["age"]), as: "age", into: &violations)
        let email = record(validateEmail(submission["email"]), as: "email", into: &violations)
        let name = record(validateName(submission["name"]), as: "name", into: &violations)
        for key in submission.keys where !["name", "email", "age"].contains(key) {
            violations.append(Violation(field: key, PersonRules.serverAssignedFields.contains(key) ? .serverAssigned : .unknownField))
        }
        guard violations.isEmpty, let name, let email, let age else {
            return .failure(ValidationFailure(violations: violations))
        }
        return .success(NewPerson(name: name, email: email, age: age))
    }

    private static func record<Value>(_ result: Result<Value, FieldError>, as field: String, into violations: inout [Violation]) -> Value? {
        switch result {
        case .success(let value): return value
        case .failure(let error):
            violations += error.problems.map { Violation(field: field, $0) }
            return nil
        }
    }

    private struct FieldError: Error {
        let problems: [FieldProblem]
        init(_ problems: FieldProblem...) { self.problems = problems }
        init(problems: [FieldProblem]) { self.problems = problems }
    }

    private static func validateName(_ value: JSONValue?) -> Result<String, FieldError> {
        guard let value, value != .null else { return .failure(FieldError(.required)) }
        guard case .string(let raw) = value else { return .failure(FieldError(.notAString)) }
        let name = raw.trimmingWhitespace()
        var problems: [FieldProblem] = []
        if name.isEmpty { problems.append(.blank) }
        // Characters as a person counts them: grapheme clusters.
        if name.count > PersonRules.maxNameLength { problems.append(.nameTooLong) }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            problems.append(.controlCharacters)
        }
        return problems.isEmpty ? .success(name) : .failure(FieldError(problems: problems))
    }

    private static func validateEmail(_ value: JSONValue?) -> Result<String, FieldError> {
        guard let value, value != .null else { return .failure(FieldError(.required)) }
        guard case .string(let raw) = value else { return .failure(FieldError(.notAString)) }
        let email = raw.trimmingWhitespace()
        if email.isEmpty { return .failure(FieldError(.required)) }
        var problems: [FieldProblem] = []
        if email.count > PersonRules.maxEmailLength { problems.append(.emailTooLong) }
        let normalised = EmailAddress.normalise(email)
        if normalised == nil { problems.append(.invalidEmail) }
        guard problems.isEmpty, let normalised else { return .failure(FieldError(problems: problems)) }
        return .success(normalised)
    }

    /// Judged on the number as written (`WholeNumber`), never on a double: `36.0000000000000000001` is not 36.
    private static func validateAge(_ value: JSONValue?) -> Result<Int?, FieldError> {
        switch value {
        case nil, .null?:
            return .success(nil)
        case .number(let number)?:
            switch WholeNumber.value(of: number.text, within: PersonRules.ageRange) {
            case .whole(let age): return .success(age)
            case .notWhole: return .failure(FieldError(.ageNotWhole))
            case .outOfRange: return .failure(FieldError(.ageOutOfRange))
            }
        default:
            return .failure(FieldError(.ageNotWhole))
        }
    }
}
