import Foundation
import Testing
@testable import PeopleAPI

/// RFC 8259's grammar, case by case, plus I-JSON's rule on repeated member names.
@Suite struct JSONBodyParserTests {
    private func parse(_ body: String) -> Result<[String: JSONValue], JSONBodyParser.Failure> {
        JSONBodyParser.parseObject(Array(body.utf8))
    }

    private func isMalformed(_ result: Result<[String: JSONValue], JSONBodyParser.Failure>) -> Bool {
        if case .failure = result { return true }
        return false
    }

    @Test("well-formed objects are accepted", arguments: [
        #"{}"#, #" {} "#, "\t\r\n{\n}\n", #"{"a":1}"#, #"{"a":-0}"#, #"{"a":0.5}"#, #"{"a":1e5}"#, #"{"a":1E+5}"#,
        #"{"a":-1.25e-3}"#, #"{"a":[]}"#, #"{"a":[1,[2,{}]]}"#, #"{"a":{"b":{"c":null}}}"#, #"{"a":true,"b":false}"#,
        #"{"a":"\"\\\/\b\f\n\r\t"}"#, #"{"a":"\u00e9\ud83d\ude00"}"#, #"{"":0}"#, #"{"a":"x\u0000y"}"#,
        #"{"a":1000000000000000000000000000000}"#, #"{"a":1e30}"#, "{\"é\":\"ü\"}",
    ])
    func accepted(body: String) {
        #expect(!isMalformed(parse(body)), "\(body)")
    }

    @Test("what RFC 8259 refuses is refused", arguments: [
        #"{"a":1,}"#, #"{"a":[1,2,]}"#, #"{,}"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#, #"{'a':1}"#, #"{"a":'x'}"#, #"{a:1}"#,
        #"{"a":1}/*c*/"#, #"{"a":1}//c"#, #"/*c*/{}"#, #"{"a":NaN}"#, #"{"a":Infinity}"#, #"{"a":-Infinity}"#,
        #"{"a":01}"#, #"{"a":-01}"#, #"{"a":+1}"#, #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":1e}"#, #"{"a":0x10}"#,
        "{\"a\":\"\t\"}", "{\"a\":\"\n\"}", #"{"a":"\x"}"#, #"{"a":"\u12"}"#, #"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#,
        #"{"a":"\ud800x"}"#, #"{"a":1} x"#, #"{}{}"#, #"{"a":tru}"#, #"{"a":True}"#, #"{"a":nul}"#, "{", "}", "   ",
    ])
    func refused(body: String) {
        #expect(isMalformed(parse(body)), "\(body)")
    }

    /// Found by the fuzzer: jansson read an object with a raw NUL after a number; the Swift reader refused it.
    @Test("a raw NUL byte anywhere is refused by both readers", arguments: [
        "{\"name\":\"Ada\",\"email\":777777777\u{0}}", "{\"a\":1}\u{0}", "{\"a\":\"x\u{0}y\"}", "\u{0}{}",
    ])
    func aRawNulIsRefused(body: String) {
        #expect(JSONBodyParser.parseObject(Array(body.utf8)).isFailure)
        #expect(JSONBodyParser.readInSwift(Array(body.utf8)).isFailure)
    }

    @Test func aByteOrderMarkIsRefused() {
        #expect(JSONBodyParser.parseObject([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .failure(.byteOrderMark))
    }

    @Test func bytesThatAreNotUTF8AreRefused() {
        #expect(JSONBodyParser.parseObject([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]) == .failure(.invalidUTF8(byte: 3)))
        // An overlong encoding of "/" and a UTF-16 surrogate encoded as UTF-8.
        #expect(isMalformed(JSONBodyParser.parseObject(Array("{\"a\":\"".utf8) + [0xC0, 0xAF] + Array("\"}".utf8))))
        #expect(isMalformed(JSONBodyParser.parseObject(Array("{\"a\":\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"}".utf8))))
    }

    @Test("a member named twice is refused, naming it", arguments: [
        (#"{"email":"a@example.com","email":"b@example.org"}"#, "email"),
        (#"{"e\u006dail":"a","email":"b"}"#, "email"),
        (#"{"a":{"x":1,"x":2}}"#, "x"),
        (#"{"q\"uote":1,"q\"uote":2}"#, "q\"uote"),
        ("{\"e\u{301}\":1,\"\u{e9}\":2}", "\u{e9}"),
    ])
    func repeatedNames(body: String, name: String) {
        #expect(parse(body) == .failure(.duplicateMember(name)))
    }

    @Test func aTrailingCommaIsNamedWithItsPlace() {
        #expect(parse(#"{"name": "Ada",}"#) == .failure(.trailingComma(byte: 15)))
        #expect(parse("{\"a\":[1,\n]}") == .failure(.trailingComma(byte: 8)))
    }

    @Test("bodies that are JSON but not an object", arguments: ["[]", "\"text\"", "42", "null", "true"])
    func notAnObject(body: String) {
        #expect(parse(body) == .failure(.notAnObject))
    }

    @Test func anEmptyBodyIsSaidToBeEmpty() {
        #expect(parse("") == .failure(.empty))
    }

    @Test func deepNestingIsRefusedWithoutATrap() {
        for body in [String(repeating: "[", count: 10_000), String(repeating: "{\"a\":", count: 10_000),
                     String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)] {
            #expect(isMalformed(parse(body)))
        }
    }

    @Test func typesAreKept() throws {
        let object = try parse(#"{"b":true,"n":1,"r":36.0,"s":"1","z":null,"l":[1],"o":{"k":"v"}}"#).get()
        #expect(object == ["b": .bool(true), "n": .number(1), "r": .number(JSONNumber(text: "36.0")), "s": .string("1"), "z": .null,
                           "l": .array([.number(1)]), "o": .object(["k": .string("v")])])
    }

    @Test func escapesAndNULInsideStringsAreDecoded() throws {
        #expect(try parse(#"{"name":"a\"\nb"}"#).get() == ["name": .string("a\"\nb")])
        #expect(try parse(#"{"name":"a\u0000b"}"#).get() == ["name": .string("a\u{0}b")])
    }
}

/// JSONTestSuite's parsing cases (tests/JSONTestSuite), read by both paths: the Swift fallback
/// reader on its own, and the body parser (jansson, falling back where it must).
@Suite struct JSONTestSuiteTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../tests/JSONTestSuite/test_parsing").standardized

    static func cases(_ prefix: String) -> [(String, [UInt8])] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.sorted().compactMap { name in
            (try? Data(contentsOf: folder.appendingPathComponent(name))).map { (name, Array($0)) }
        }
    }

    @Test func theSwiftReaderAcceptsEveryYAndRefusesEveryN() {
        let accepted = Self.cases("y_"), refused = Self.cases("n_")
        #expect(accepted.count >= 95 && refused.count >= 188)
        for (name, body) in accepted where !name.hasPrefix("y_object_duplicated_key") {
            if case .failure(let failure) = StrictJSONReader.read(body) { Issue.record("\(name): \(failure)") }
        }
        for (name, body) in refused {
            if case .success = StrictJSONReader.read(body) { Issue.record("\(name) was accepted") }
        }
    }

    @Test func theBodyParserReadsEveryYObjectAndRefusesEveryN() {
        for (name, body) in Self.cases("y_") {
            let result = JSONBodyParser.parseObject(body)
            let isObject = body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{")
            if name.hasPrefix("y_object_duplicated_key") {
                #expect(result == .failure(.duplicateMember("a")), "\(name)")
            } else if isObject {
                if case .failure(let failure) = result { Issue.record("\(name): \(failure)") }
            } else {
                #expect(result == .failure(.notAnObject), "\(name)")
            }
        }
        for (name, body) in Self.cases("n_") {
            if case .success = JSONBodyParser.parseObject(body) { Issue.record("\(name) was accepted") }
        }
    }

    @Test func aNULInAMemberNameIsReadAndNumbersKeepTheirText() throws {
        #expect(try JSONBodyParser.parseObject(Array(#"{"a\u0000":1,"age":36.0000000000000000001}"#.utf8)).get()
                == ["a\u{0}": .number(1), "age": .number(JSONNumber(text: "36.0000000000000000001"))])
        #expect(try JSONBodyParser.parseObject(Array(#"{"age":1e400,"big":123456789012345678901234567890}"#.utf8)).get()
                == ["age": .number(JSONNumber(text: "1e400")), "big": .number(JSONNumber(text: "123456789012345678901234567890"))])
        // The fallback is as strict as jansson: a repeat, a trailing comma or a lone surrogate after the NUL name.
        #expect(JSONBodyParser.parseObject(Array(#"{"a\u0000":1,"a\u0000":2}"#.utf8)) == .failure(.duplicateMember("a\u{0}")))
        #expect(JSONBodyParser.parseObject(Array(#"{"a\u0000":1,}"#.utf8)) == .failure(.trailingComma(byte: 13)))
        #expect(JSONBodyParser.parseObject(Array(#"{"a\u0000":"\ud800"}"#.utf8)).isFailure)
        #expect(JSONBodyParser.parseObject(Array(#"{"a\u0000":1e400}x"#.utf8)).isFailure)
        #expect(JSONBodyParser.parseObject(Array(#"[1e400]"#.utf8)) == .failure(.notAnObject))
    }
}

@Suite struct ReadersAgreeTests {
    /// Both readers stop at the same depth (jansson's 2048), so neither reads what the other refuses.
    @Test func atTheNestingLimit() {
        for depth in 2045...2051 {
            let body = Array(("{\"a\":" + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}").utf8)
            let jansson = (try? JSONBodyParser.parseObject(body).get()) != nil
            let swift = (try? JSONBodyParser.readInSwift(body).get()) != nil
            #expect(jansson == swift, "depth \(depth): jansson \(jansson), Swift \(swift)")
        }
    }
}

private extension Result {
    var isFailure: Bool { if case .failure = self { return true } else { return false } }
}
