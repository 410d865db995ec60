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

    @Test func fieldMessagesAreSortedAndEmptyIsAnObject() {
        var writer = JSONWriter()
        writer.fieldMessages(["b": ["2"], "a": ["1", "x"]])
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"a":["1","x"],"b":["2"]}"#)
        var empty = JSONWriter()
        empty.fieldMessages([:])
        #expect(String(decoding: empty.bytes, as: UTF8.self) == "{}")
    }
}
