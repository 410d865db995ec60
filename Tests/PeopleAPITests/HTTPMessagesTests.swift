import HTTPMessages
import Testing

/// The shared request values' small readers: `CONTENT_LENGTH` and query numbers, header names.
@Suite struct HTTPMessagesTests {
    @Test("digits only, within the bound", arguments: [
        ("0", 3, 0), ("42", 3, 42), ("007", 3, 7), ("999", 3, 999), ("123456789012345678", 18, 123_456_789_012_345_678),
    ])
    func digitsAreRead(text: String, maxDigits: Int, value: Int) {
        #expect(DecimalDigits.value(text, maxDigits: maxDigits) == value)
    }

    @Test("anything else is nil", arguments: [
        ("", 3), ("+5", 3), ("-0", 3), (" 5", 3), ("5 ", 3), ("1000", 3), ("1e3", 3), ("٣", 3),
        ("1234567890123456789", 18), ("99999999999999999999", 30),
    ])
    func othersAreNil(text: String, maxDigits: Int) {
        #expect(DecimalDigits.value(text, maxDigits: maxDigits) == nil)
    }

    @Test("spaces and tabs at either end go, nothing else", arguments: [
        (" a b ", "a b"), ("\t\ta\t", "a"), ("   ", ""), ("", ""), ("\u{A0}é\u{A0}", "\u{A0}é\u{A0}"), (" \n ", "\n"),
    ])
    func trimming(text: String, trimmed: String) {
        #expect(text.trimmingSpacesAndTabs() == trimmed)
        #expect(Array(Array(text.utf8).trimmingSpacesAndTabs()) == Array(trimmed.utf8))
    }

    @Test("a header is found whatever case it was stored or asked in", arguments: [
        "accept", "authorization", "content-type", "idempotency-key", "if-none-match", "x-request-id", "x-forwarded-for",
    ])
    func headersByAnyCase(name: String) {
        let request = ServerRequest(method: "GET", path: "/", headers: [name.uppercased(): "value"])
        #expect(request.header(name) == "value")
        #expect(request.header(name.uppercased()) == "value")
    }
}
