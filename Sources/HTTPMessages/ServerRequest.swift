/// One request as the responder sees it, copied out of libfcgi's buffers so
/// that it outlives the next `FCGX_Accept_r`.
public struct ServerRequest: Sendable {
    public var method: String
    /// The path without the query string, as the client sent it.
    public var path: String
    /// The raw query string, without the leading `?`.
    public var query: String
    /// HTTP headers with lower-cased, dash-separated names (`content-type`).
    public var headers: [String: String]
    /// Every FastCGI parameter, for the few that are not headers (`REQUEST_ID`).
    public var params: [String: String]
    public var body: RequestBody

    public init(
        method: String,
        path: String,
        query: String = "",
        headers: [String: String] = [:],
        params: [String: String] = [:],
        body: RequestBody = .complete([])
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.params = params
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers[name]
    }
}

/// What the server could read of a request body. The responder decides what a
/// body that is too large or cut short means, because the contract puts the size
/// check after the method and media-type checks.
public enum RequestBody: Sendable, Equatable {
    case complete([UInt8])
    /// More bytes than the limit were announced or sent; the rest was never read.
    case tooLarge
    /// The stream ended before `CONTENT_LENGTH` bytes arrived, or the length was not a number.
    case incomplete

    public var bytes: [UInt8]? {
        if case .complete(let bytes) = self { return bytes }
        return nil
    }
}
