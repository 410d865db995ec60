import Glibc

/// Where the responder takes its FastCGI connections from.
public enum ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The socket inherited as file descriptor 0, as `spawn-fcgi` and systemd socket activation hand it over.
    case inherited
    case tcp(host: String, port: Int)
    case unix(path: String)

    /// Parses `host:port` (an IPv6 host in brackets: `[::1]:9000`), `:port`, `unix:/path` or a path containing `/`.
    public init?(parsing text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { return nil }
            self = .unix(path: path)
        } else if text.contains("/") {
            self = .unix(path: text)
        } else if let colon = text.lastIndex(of: ":"),
                  let port = Int(text[text.index(after: colon)...]),
                  (1...65535).contains(port) {
            let host = String(text[..<colon])
            self = .tcp(host: host.isEmpty ? "127.0.0.1" : host, port: port)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .inherited: return "fd 0"
        case .tcp(let host, let port): return "\(host):\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }
}
