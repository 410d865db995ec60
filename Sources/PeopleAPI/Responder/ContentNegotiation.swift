import HTTPMessages

/// The `Accept` and `Content-Type` rules of the contract.
enum ContentNegotiation {
    /// How an error is written: the envelope (the default), or RFC 9457's problem details.
    enum ErrorFormat { case envelope, problem }

    /// A missing `Accept` is fine; otherwise one of its ranges must admit JSON (or problem details) with q > 0.
    static func acceptsJSON(_ accept: String?) -> Bool {
        guard let accept, !isBlank(accept) else { return true }
        // One range without parameters (`*/*`, what most clients send) needs no parse.
        if !accept.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ";") }) {
            return jsonTypes.contains { mediaType(accept.utf8, is: $0) }
        }
        return ranges(accept).contains { range in jsonTypes.contains(range.type) && range.quality > 0 }
    }

    private static let jsonTypes = ["application/json", "application/problem+json", "application/*", "*/*"]

    /// Problem details when `Accept` ranks `application/problem+json` strictly above
    /// `application/json`, each at the quality of the most specific range that matches it
    /// (the type itself, then `application/*`, then `*/*`; none is 0), as RFC 9110 has it.
    /// nginx's config makes the same choice for the errors it writes itself.
    static func errorFormat(_ accept: String?) -> ErrorFormat {
        guard let accept, !isBlank(accept), accept.utf8.contains(UInt8(ascii: "+")) else { return .envelope }
        let ranges = ranges(accept)
        return quality(of: "application/problem+json", in: ranges) > quality(of: "application/json", in: ranges) ? .problem : .envelope
    }

    private static func quality(of type: String, in ranges: [(type: String, quality: Double)]) -> Double {
        for candidate in [type, "application/*", "*/*"] {
            if let range = ranges.first(where: { $0.type == candidate }) { return range.quality }
        }
        return 0
    }

    private static func ranges(_ accept: String) -> [(type: String, quality: Double)] {
        accept.split(separator: ",").compactMap { range in
            let parts = range.split(separator: ";").map { $0.trimmingSpacesAndTabs().lowercased() }
            guard let type = parts.first, !type.isEmpty else { return nil }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (type, quality)
        }
    }

    private static func isBlank(_ text: String) -> Bool {
        text.utf8.trimmingSpacesAndTabs().isEmpty
    }

    /// `application/json`, with or without parameters such as `charset=utf-8`.
    static func isJSON(contentType: String?) -> Bool {
        guard let contentType else { return false }
        let utf8 = contentType.utf8
        return mediaType(utf8[..<(utf8.firstIndex(of: UInt8(ascii: ";")) ?? utf8.endIndex)], is: "application/json")
    }

    /// `text`, between spaces and tabs, is `type` (lower case) in any case; on bytes, as every request asks.
    private static func mediaType<Bytes: BidirectionalCollection<UInt8>>(_ text: Bytes, is type: String) -> Bool {
        text.trimmingSpacesAndTabs().elementsEqual(type.utf8) { $0 == $1 || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") && $0 + 32 == $1) }
    }
}
