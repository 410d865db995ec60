/// Pure validation of a submitted person: a parsed JSON object in, a normalised
/// `NewPerson` or every field error at once out. No I/O.
public enum PersonValidator {
    public static func validate(_ submission: [String: JSONValue]) -> Result<NewPerson, ValidationFailure> {
        var errors: [String: [String]] = [:]
        let name = record(validateName(submission["name"]), as: "name", into: &errors)
        let email = record(validateEmail(submission["email"]), as: "email", into: &errors)
        let age = record(validateAge(submission["age"]), as: "age", into: &errors)
        for key in submission.keys where !["name", "email", "age"].contains(key) {
            errors[key] = [PersonRules.serverAssignedFields.contains(key) ? ValidationMessage.serverAssigned : ValidationMessage.unknownField]
        }
        guard errors.isEmpty, let name, let email, let age else {
            return .failure(ValidationFailure(fieldErrors: errors))
        }
        return .success(NewPerson(name: name, email: email, age: age))
    }

    private static func record<Value>(_ result: Result<Value, FieldError>, as field: String, into errors: inout [String: [String]]) -> Value? {
        switch result {
        case .success(let value): return value
        case .failure(let error):
            errors[field] = error.messages
            return nil
        }
    }

    private struct FieldError: Error {
        let messages: [String]
        init(_ messages: String...) { self.messages = messages }
        init(messages: [String]) { self.messages = messages }
    }

    private static func validateName(_ value: JSONValue?) -> Result<String, FieldError> {
        guard let value, value != .null else { return .failure(FieldError(ValidationMessage.required)) }
        guard case .string(let raw) = value else { return .failure(FieldError(ValidationMessage.notAString)) }
        let name = raw.trimmingWhitespace()
        var messages: [String] = []
        if name.isEmpty { messages.append(ValidationMessage.blankName) }
        // Characters as a person counts them: grapheme clusters.
        if name.count > PersonRules.maxNameLength { messages.append(ValidationMessage.nameTooLong) }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            messages.append(ValidationMessage.controlCharacters)
        }
        return messages.isEmpty ? .success(name) : .failure(FieldError(messages: messages))
    }

    private static func validateEmail(_ value: JSONValue?) -> Result<String, FieldError> {
        guard let value, value != .null else { return .failure(FieldError(ValidationMessage.required)) }
        guard case .string(let raw) = value else { return .failure(FieldError(ValidationMessage.notAString)) }
        let email = raw.trimmingWhitespace()
        if email.isEmpty { return .failure(FieldError(ValidationMessage.required)) }
        var messages: [String] = []
        if email.count > PersonRules.maxEmailLength { messages.append(ValidationMessage.emailTooLong) }
        let normalised = EmailAddress.normalise(email)
        if normalised == nil { messages.append(ValidationMessage.invalidEmail) }
        guard messages.isEmpty, let normalised else { return .failure(FieldError(messages: messages)) }
        return .success(normalised)
    }

    private static func validateAge(_ value: JSONValue?) -> Result<Int?, FieldError> {
        switch value {
        case nil, .null?:
            return .success(nil)
        case .number(let number)?:
            // 36.0 is 36; 36.5 is not a whole number.
            guard number.isFinite, number.rounded(.towardZero) == number,
                  number >= Double(PersonRules.ageRange.lowerBound), number <= Double(PersonRules.ageRange.upperBound)
            else { return .failure(FieldError(ValidationMessage.invalidAge)) }
            return .success(Int(number))
        default:
            return .failure(FieldError(ValidationMessage.invalidAge))
        }
    }
}
