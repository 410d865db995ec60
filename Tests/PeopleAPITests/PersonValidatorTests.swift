import Foundation
import Testing
@testable import PeopleAPI

@Suite struct PersonValidatorTests {
    private func validate(_ json: String) -> Result<NewPerson, ValidationFailure> {
        guard case .success(let object) = JSONBodyParser.parseObject(Array(json.utf8)) else {
            Issue.record("not a JSON object: \(json)")
            return .failure(ValidationFailure(violations: []))
        }
        return PersonValidator.validate(object)
    }

    private func errors(_ json: String) -> [String: [String]] {
        if case .failure(let failure) = validate(json) { return failure.fieldErrors }
        return [:]
    }

    @Test("valid submissions are normalised", arguments: [
        (#"{"name":"  Ada Lovelace ","email":" ada@Example.COM ","age":36}"#, NewPerson(name: "Ada Lovelace", email: "ada@example.com", age: 36)),
        (#"{"name":"Ada","email":"Ada.L@example.com","age":36.0}"#, NewPerson(name: "Ada", email: "Ada.L@example.com", age: 36)),
        (#"{"name":"Ada","email":"a@b.co","age":null}"#, NewPerson(name: "Ada", email: "a@b.co", age: nil)),
        (#"{"name":"Ada","email":"a@sub-domain.example.org"}"#, NewPerson(name: "Ada", email: "a@sub-domain.example.org", age: nil)),
        (#"{"name":"Zoë","email":"z@x.io","age":0}"#, NewPerson(name: "Zoë", email: "z@x.io", age: 0)),
        (#"{"name":"Old","email":"o@x.io","age":150}"#, NewPerson(name: "Old", email: "o@x.io", age: 150)),
    ])
    func valid(json: String, expected: NewPerson) throws {
        #expect(try validate(json).get() == expected)
    }

    @Test("each broken rule is reported on its field", arguments: [
        (#"{"email":"a@b.co"}"#, "name", FieldProblem.required),
        (#"{"name":null,"email":"a@b.co"}"#, "name", FieldProblem.required),
        (#"{"name":42,"email":"a@b.co"}"#, "name", FieldProblem.notAString),
        (#"{"name":"   ","email":"a@b.co"}"#, "name", FieldProblem.blank),
        (#"{"name":"a\u0007b","email":"a@b.co"}"#, "name", FieldProblem.controlCharacters),
        (#"{"name":"a\nb","email":"a@b.co"}"#, "name", FieldProblem.controlCharacters),
        (#"{"name":"a\u0000","email":"a@b.co"}"#, "name", FieldProblem.controlCharacters),
        (#"{"name":"Ada"}"#, "email", FieldProblem.required),
        (#"{"name":"Ada","email":["a@b.co"]}"#, "email", FieldProblem.notAString),
        (#"{"name":"Ada","email":"ab.co"}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"a@@b.co"}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"a@b@c.co"}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"@b.co"}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"a@localhost"}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"a@-b.co"}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"a@b-.co"}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"a@b..co"}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"a@b.co."}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"a b@c.co"}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"a@b_c.co"}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"a@b.c o"}"#, "email", FieldProblem.invalidEmail),
        (#"{"name":"Ada","email":"a@b.co","age":36.5}"#, "age", FieldProblem.ageNotWhole),
        (#"{"name":"Ada","email":"a@b.co","age":"36"}"#, "age", FieldProblem.ageNotWhole),
        (#"{"name":"Ada","email":"a@b.co","age":true}"#, "age", FieldProblem.ageNotWhole),
        (#"{"name":"Ada","email":"a@b.co","age":false}"#, "age", FieldProblem.ageNotWhole),
        (#"{"name":"Ada","email":"a@b.co","age":-1}"#, "age", FieldProblem.ageOutOfRange),
        (#"{"name":"Ada","email":"a@b.co","age":151}"#, "age", FieldProblem.ageOutOfRange),
        (#"{"name":"Ada","email":"a@b.co","age":1e30}"#, "age", FieldProblem.ageOutOfRange),
        (#"{"name":"Ada","email":"a@b.co","age":1000000000000000000000000000000}"#, "age", FieldProblem.ageOutOfRange),
        (#"{"name":"Ada","email":"a@b.co","age":123456789012345678901234567890}"#, "age", FieldProblem.ageOutOfRange),
        (#"{"name":"Ada","email":"a@b.co","age":[36]}"#, "age", FieldProblem.ageNotWhole),
        (#"{"name":"Ada","email":"a@b.co","age":{}}"#, "age", FieldProblem.ageNotWhole),
        (#"{"name":"Ada","email":"a@b.co","nickname":"A"}"#, "nickname", FieldProblem.unknownField),
        (#"{"name":"Ada","email":"a@b.co","id":"x"}"#, "id", FieldProblem.serverAssigned),
        (#"{"name":"Ada","email":"a@b.co","created_at":"x"}"#, "created_at", FieldProblem.serverAssigned),
    ])
    func invalid(json: String, field: String, problem: FieldProblem) {
        let found = errors(json)
        #expect(found[field]?.contains(problem.message) == true, "\(found)")
        #expect(found.count == 1, "only \(field) is at fault: \(found)")
        guard case .failure(let failure) = validate(json) else { return }
        #expect(failure.violations.contains(Violation(field: field, problem)), "\(failure.violations)")
    }

    @Test("age is judged on the number as written", arguments: [
        ("36", 36), ("36.0", 36), ("3.6e1", 36), ("360e-1", 36), ("0.36E+2", 36), ("-0", 0), ("0e999999999999", 0),
        ("150", 150), ("1.5e2", 150), ("15000e-2", 150),
    ])
    func ageAsWritten(text: String, age: Int) throws {
        #expect(try validate(#"{"name":"Ada","email":"a@b.co","age":\#(text)}"#).get().age == age)
    }

    @Test("ages that are not whole numbers from 0 to 150, as written", arguments: [
        ("36.0000000000000000001", FieldCode.notAWholeNumber), ("1e-400", .notAWholeNumber), ("-0.5", .notAWholeNumber),
        ("36.5", .notAWholeNumber), ("1e400", .outOfRange), ("-1", .outOfRange), ("151", .outOfRange), ("150.0000001e0", .notAWholeNumber),
        ("1e99999999999999999999", .outOfRange), ("1" + String(repeating: "0", count: 400), .outOfRange), ("-1e400", .outOfRange),
    ])
    func agesRefusedAsWritten(text: String, code: FieldCode) throws {
        guard case .failure(let failure) = validate(#"{"name":"Ada","email":"a@b.co","age":\#(text)}"#) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(failure.violations.map(\.code) == [code.rawValue])
    }

    @Test func violationsFollowTheOrderOfErrors() throws {
        guard case .failure(let failure) = validate(#"{"zeta":1,"name":"","email":"nope","age":200,"id":"1"}"#) else { return }
        #expect(failure.violations.map(\.field) == ["age", "email", "id", "name", "zeta"])
        #expect(failure.violations.map(\.code) == ["out_of_range", "invalid_email", "unknown_field", "blank", "unknown_field"])
    }

    @Test func nameLengthCountsGraphemeClusters() {
        // e + U+0301, a skin-toned thumb and a flag are one character each.
        for unit in ["e\u{301}", "👍🏽", "🇫🇷", "a"] {
            let exactly100 = String(repeating: unit, count: 100)
            #expect((try? validate(#"{"name":"\#(exactly100)","email":"a@b.co"}"#).get())?.name == exactly100)
            #expect(errors(#"{"name":"\#(exactly100)x","email":"a@b.co"}"#)["name"] == [FieldProblem.nameTooLong.message])
        }
    }

    @Test func emailLengthLimit() {
        let domain = String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63) + "." + String(repeating: "c", count: 63) + ".io"
        let ok = String(repeating: "x", count: 254 - domain.count - 1) + "@" + domain
        #expect(ok.count == 254)
        #expect((try? validate(#"{"name":"A","email":"\#(ok)"}"#).get()) != nil)
        #expect(errors(#"{"name":"A","email":"x\#(ok)"}"#)["email"] == [FieldProblem.emailTooLong.message])
        #expect(errors(#"{"name":"A","email":"a@\#(String(repeating: "b", count: 64)).io"}"#)["email"] == [FieldProblem.invalidEmail.message])
    }

    @Test func everyFieldIsReportedAtOnce() {
        let found = errors(#"{"name":"","email":"nope","age":200,"id":"1"}"#)
        #expect(Set(found.keys) == ["name", "email", "age", "id"])
    }

    @Test("a local part with white space or a control character is refused, ASCII or not", arguments: [
        "a b", "a\tb", "a\u{0B}b", "a\u{1F}b", "a\u{7F}b", "a\u{85}b", "a\u{A0}b", "a\u{2003}b", "a\u{3000}b", "\u{9F}",
    ])
    func localPartWithWhitespaceOrControl(local: String) throws {
        let json = try JSONSerialization.data(withJSONObject: ["name": "A", "email": local + "@example.com"])
        #expect(errors(String(decoding: json, as: UTF8.self))["email"] == [FieldProblem.invalidEmail.message])
    }

    @Test("a local part of other characters is kept as sent", arguments: ["a.b+c", "é", "名前", "~!#$%&'*/=?^_`{|}"])
    func localPartAsSent(local: String) throws {
        let json = try JSONSerialization.data(withJSONObject: ["name": "A", "email": local + "@Example.com"])
        #expect((try? validate(String(decoding: json, as: UTF8.self)).get())?.email == local + "@example.com")
    }

    @Test func emailDomainIsLowerCasedButNotTheLocalPart() {
        #expect((try? validate(#"{"name":"A","email":"MiXeD@ExAmPle.Org"}"#).get())?.email == "MiXeD@example.org")
    }
}

@Suite struct TrimmingTests {
    @Test("trims like Foundation's whitespacesAndNewlines", arguments: [
        "  a b  ", "\n\t a \r\n", "\u{00A0}a\u{2003}", "\u{3000}名前\u{3000}", "", "   ", "a", "\u{85}x\u{2028}", "é\u{301} ",
        "Ada Lovelace", "x\u{0B}", "\u{0C}y", "\u{7F}z\u{7F}", "a\u{1F}", "~!", "Ada\u{2003}",
    ])
    func matchesFoundation(text: String) {
        #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
