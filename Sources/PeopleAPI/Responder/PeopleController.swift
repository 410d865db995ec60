import Crypto
import HTTPMessages
import Scoreboard

/// The people endpoints: create, get by id, list, erase. Each returns a success response or throws.
struct PeopleController: Sendable {
    let repository: any PersonRepository

    init(repository: any PersonRepository) {
        self.repository = repository
    }

    static let defaultPageSize = 20
    static let pageSizes = 1...100

    /// Checks in the contract's order after method and `Accept`:
    /// Content-Type → size → key format → JSON → fields → key replay → email uniqueness.
    func create(_ request: ServerRequest) throws -> ServerResponse {
        guard ContentNegotiation.isJSON(contentType: request.header("content-type")) else { throw APIError.unsupportedMediaType }
        let body: [UInt8]
        switch request.body {
        case .tooLarge: throw APIError.payloadTooLarge
        case .incomplete: throw APIError.badRequest("The request body was cut short or its length was invalid.")
        case .complete(let bytes): body = bytes
        }
        let key = request.header("idempotency-key")
        if let key, !RequestHeaders.isWellFormedIdempotencyKey(key) { throw APIError.invalidIdempotencyKey }
        let submission = try PersonValidator.validate(try JSONBodyParser.parseObject(body).get()).get()

        let record = key.map { IdempotencyRecord(key: $0, fingerprint: Self.fingerprint(body)) }
        let outcome = try repository.create(submission, idempotency: record)

        switch outcome {
        case .created(let person):
            return ResponseBuilder.json(status: 201, person, headers: [("Location", Self.location(of: person))])
        case .replayed(let person):
            Metrics.idempotentReplay()
            return ResponseBuilder.json(status: 201, person, headers: [
                ("Location", Self.location(of: person)), ("Idempotent-Replayed", "true"),
            ])
        }
    }

    func get(id rawID: String, _ request: ServerRequest) throws -> ServerResponse {
        guard let id = PersonID.canonical(rawID), let person = try repository.find(id: id) else { throw APIError.notFound }
        // People never change, so the id is a sufficient validator.
        let etag = "\"\(person.id)\""
        let caching = [("ETag", etag), ("Cache-Control", "private, no-cache")]
        if let candidates = request.header("if-none-match"), Self.matches(candidates, etag: etag) {
            return ServerResponse(status: 304, headers: caching)
        }
        return ResponseBuilder.json(status: 200, person, headers: caching)
    }

    func list(query: String) throws -> ServerResponse {
        var limit = Self.defaultPageSize
        var cursor: PageCursor?
        let cursorKey = try repository.cursorSigningKey()
        var seen: Set<String> = []
        for (name, value) in QueryString.pairs(query) {
            // `limit=5&limit=50` has no one meaning: refused, as a JSON member named twice is.
            if name == "limit" || name == "after", !seen.insert(name).inserted {
                throw APIError.invalidQuery("\(name) may appear only once.")
            }
            switch name {
            case "limit":
                guard let number = DecimalDigits.value(value, maxDigits: 3), Self.pageSizes.contains(number)
                else { throw APIError.invalidQuery("limit must be a whole number from 1 to 100.") }
                limit = number
            case "after":
                guard let parsed = PageCursor(token: value, verifiedWith: cursorKey) else {
                    throw APIError.invalidQuery("The after cursor was not issued by this server.")
                }
                cursor = parsed
            default:
                continue
            }
        }
        let page = try repository.list(limit: limit, after: cursor)
        return ResponseBuilder.json(status: 200, PageBody(items: page.items, next: page.next?.token(signedWith: cursorKey)))
    }

    /// Erases the person and every stored copy of them; an unknown or malformed id is 404.
    func erase(id rawID: String) throws -> ServerResponse {
        guard let id = PersonID.canonical(rawID), try repository.erase(id: id) else { throw APIError.notFound }
        return ServerResponse(status: 204)
    }

    private struct PageBody: JSONBody {
        let items: [Person]
        let next: String?

        func write(to writer: inout JSONWriter) {
            writer.raw("{\"items\":[")
            for (index, person) in items.enumerated() {
                if index > 0 { writer.raw(",") }
                person.write(to: &writer)
            }
            writer.raw("],\"next\":")
            writer.optionalString(next)  // `null` on the last page
            writer.raw("}")
        }
    }

    static func location(of person: Person) -> String { "/api/people/\(person.id)" }

    static func fingerprint(_ body: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: body))
    }

    /// `If-None-Match`: a list of entity tags (weak ones compare equal too) or `*`.
    static func matches(_ header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingSpacesAndTabs()
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag || tag == "*"
        }
    }
}
