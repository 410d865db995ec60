import HTTPMessages

/// Rules for the request headers the contract gives a format to.
enum RequestHeaders {
    /// 1–64 of `A-Za-z0-9-_.`: a client's `X-Request-ID` that may be echoed back.
    static func isWellFormedRequestID(_ value: String) -> Bool {
        isShortSafeLabel(value)
    }

    /// 1–255 visible ASCII characters.
    static func isWellFormedIdempotencyKey(_ value: String) -> Bool {
        (1...255).contains(value.utf8.count) && value.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// The web server's id (nginx's, already decided by its map), else the client's
    /// well-formed `X-Request-ID`, else a new one, so standalone use still correlates.
    static func correlationID(_ request: ServerRequest) -> String {
        if let fromProxy = request.webServerRequestID, isWellFormedRequestID(fromProxy) { return fromProxy }
        if let fromClient = request.header("x-request-id"), isWellFormedRequestID(fromClient) { return fromClient }
        return Hex.encode(SecureRandom.bytes(16))
    }
}
