import HTTPMessages

/// The `Accept` and `Content-Type` rules of the contract.
enum ContentNegotiation {
    /// How an error is written: the envelope (the default), or RFC 9457's problem details.
    enum ErrorFormat { case envelope, problem }

    /// A missing `Accept` is fine; otherwise one of its ranges must admit JSON (or problem details) with q > 0.
    static func acceptsJSON(_ accept: String?) -> Bool {
        guard let accept, !isBlank(accept) else { return true }
        return ranges(accept).contains { range in
            ["application/json", "application/problem+json", "application/*", "*/*"].contains(range.type) && range.quality > 0
        }
    }

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
        text.allSatisfy { $0 == " " || $0 == "\t" }
    }

    /// `application/json`, with or without parameters such as `charset=utf-8`.
    static func isJSON(contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return mediaType.trimmingSpacesAndTabs().lowercased() == "application/json"
    }
}
