/// A response to be written back through FastCGI as a CGI-style header block and body.
public struct ServerResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Anything that turns a request into a response; called from many worker threads at once.
public protocol RequestHandler: Sendable {
    func handle(_ request: ServerRequest) -> ServerResponse
}
