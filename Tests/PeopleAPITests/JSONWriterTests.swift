import Foundation
import Testing
@testable import PeopleAPI

@Suite struct JSONWriterTests {
    @Test("strings round-trip through a real JSON parser", arguments: [
        "plain", "quote \" and backslash \\", "new\nline\ttab\rreturn", "\u{0}\u{1}\u{1F}\u{7F}", "é e\u{301} 👍🏽 🇫🇷", "</script>", "\u{2028}",
    ])
    func stringsRoundTrip(text: String) throws {
        var writer = JSONWriter()
        writer.string(text)
        let parsed = try JSONSerialization.jsonObject(with: Data(writer.bytes), options: [.fragmentsAllowed]) as? String
        #expect(parsed == text)
    }

    @Test func personKeepsKeyOrderAndNullAge() {
        let person = Person(id: "i", name: "N", email: "e@x.io", age: nil, createdAt: "t")
        #expect(String(decoding: person.jsonBytes, as: UTF8.self)
                == #"{"id":"i","name":"N","email":"e@x.io","age":null,"created_at":"t"}"#)
    }

    @Test func theEnvelopeWritesErrorsAndViolationsFromTheSameListAndEmptyAsObjectAndArray() {
        let failure = ValidationFailure(violations: [Violation(field: "b", .blank), Violation(field: "a", .required),
                                                     Violation(field: "a", .notAString)])
        let envelope = ErrorEnvelope(status: 422, code: "C", message: "m", violations: failure.violations, timestamp: "t", correlationID: "i")
        #expect(String(decoding: envelope.jsonBytes, as: UTF8.self) == #"{"error":{"status":422,"code":"C","message":"m","errors":{"a":["This field is required.","Must be a string."],"b":["Must not be blank."]},"violations":[{"field":"a","code":"required","message":"This field is required."},{"field":"a","code":"not_a_string","message":"Must be a string."},{"field":"b","code":"blank","message":"Must not be blank."}],"timestamp":"t","correlation_id":"i"}}"#)
        let empty = ErrorEnvelope(status: 404, code: "N", message: "m", violations: [], timestamp: "t", correlationID: "i")
        #expect(String(decoding: empty.jsonBytes, as: UTF8.self).contains(#""errors":{},"violations":[],"#))
    }
}
