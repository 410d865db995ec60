/// Every status the responder answers with, and its reason phrase (RFC 9110 §15): the one list
/// the server writes `Status:` lines from and the fuzz targets hold answers to. (nginx answers
/// 408, 414, 429, 502, 504 and 505 itself, never the responder.)
public enum HTTPStatus {
    public static let reasonPhrases: [Int: String] = [
        200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified",
        400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
        406: "Not Acceptable", 409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type",
        422: "Unprocessable Content", 500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
    ]

    /// The reason phrase, or "Status" for a status outside the list (a client reads the number only).
    public static func reasonPhrase(_ status: Int) -> String {
        reasonPhrases[status] ?? "Status"
    }
}
