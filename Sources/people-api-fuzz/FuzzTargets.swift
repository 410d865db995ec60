import Foundation
import HTTPMessages
import Logging
import PeopleAPI

/// libFuzzer's entry point (built with `-sanitize=fuzzer`, see scripts/fuzz.sh). The target is
/// picked by PEOPLE_FUZZ_TARGET: `validator` (JSON body → validator) or `responder` (a request
/// value → the responder over the memory store). A trap, an out-of-contract status or a broken
/// envelope is a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    switch ProcessInfo.processInfo.environment["PEOPLE_FUZZ_TARGET"] ?? "responder" {
    case "validator": FuzzTargets.validator(bytes)
    default: FuzzTargets.responder(bytes)
    }
    return 0
}

enum FuzzTargets {
    static let contractStatuses = Set(HTTPStatus.reasonPhrases.keys)
    static let operatorToken = "fuzz-operator-token"
    static let responderUnderTest: PeopleResponder = {
        let tokens = OperatorTokenMemoryStore()
        try? tokens.addToken(name: "fuzz", digest: OperatorToken.digest(operatorToken), createdAt: "2026-01-01T00:00:00.000Z")
        return PeopleResponder(repository: PersonMemoryRepository(), tokens: tokens,
                               logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
    }()

    static func validator(_ bytes: [UInt8]) {
        // jansson (with its fallback) and the Swift reader alone must agree on what is a JSON object.
        let parsed = JSONBodyParser.parseObject(bytes), inSwift = JSONBodyParser.readInSwift(bytes)
        if case .success = parsed { precondition((try? inSwift.get()) != nil, "the Swift reader refused what jansson read") }
        if case .failure = parsed { precondition((try? inSwift.get()) == nil, "the Swift reader read what jansson refused") }
        guard case .success(let object) = parsed else { return }
        if case .success(let person) = PersonValidator.validate(object) {
            precondition(!person.name.isEmpty && person.name.count <= 100, "validator let a bad name through")
            precondition(person.email.contains("@"), "validator let a bad email through")
        }
    }

    /// The first byte picks the method and path, the second the headers; the rest is the body.
    static func responder(_ bytes: [UInt8]) {
        let methods = ["POST", "GET", "PUT", "OPTIONS", "DELETE", "HEAD", "BREW"]
        let paths = ["/api/people", "/api/people/0193a000-0000-7000-8000-000000000000", "/api/health", "/api/x", "/api/people/"]
        let selector = Int(bytes.first ?? 0)
        let flags = bytes.count > 1 ? bytes[1] : 0
        var headers: [String: String] = [:]
        if flags & 1 == 0 { headers["content-type"] = "application/json" }
        if flags & 2 != 0 { headers["accept"] = "text/html" }
        if flags & 4 != 0 { headers["idempotency-key"] = "fuzz-\(flags >> 3)" }
        if flags & 8 != 0 { headers["if-none-match"] = "*" }
        if flags & 64 != 0 { headers["authorization"] = flags & 128 != 0 ? "Bearer \(operatorToken)" : "Bearer wrong" }
        let body = Array(bytes.dropFirst(2))
        let query = flags & 16 != 0 ? String(decoding: body.prefix(40), as: UTF8.self) : ""
        let request = ServerRequest(method: methods[selector % methods.count], path: paths[(selector / 4) % paths.count],
                                    query: query, headers: headers, body: flags & 32 != 0 ? .tooLarge : .complete(body))
        let response = responderUnderTest.handle(request)
        precondition(contractStatuses.contains(response.status), "status \(response.status) is not in the contract")
        if request.method == "HEAD" {
            precondition(response.body.isEmpty, "a body on HEAD")
        } else if response.status >= 400 {
            let envelope = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            let error = envelope?["error"] as? [String: Any]
            precondition(error?["status"] as? Int == response.status && error?["errors"] is [String: Any]
                         && error?["violations"] is [Any], "broken envelope")
        }
    }
}
