import Glibc

/// `FCGI_WEB_SERVER_ADDRS`, as libfcgi reads it: a comma-separated list of the IPv4 addresses
/// allowed to connect over TCP. The front door accepts instead of libfcgi, so it applies the
/// list itself: any other peer's connection is closed before a byte is read.
struct WebServerAddresses: Sendable {
    /// Allowed addresses in network byte order; empty admits every peer.
    private let allowed: [UInt32]

    init(environment value: String?) {
        allowed = (value ?? "").split(separator: ",").compactMap { part in
            var address = in_addr()
            let text = part.trimmingCharacters(in: " \t")
            return inet_pton(AF_INET, text, &address) == 1 ? address.s_addr : nil
        }
    }

    static var fromEnvironment: WebServerAddresses {
        WebServerAddresses(environment: getenv("FCGI_WEB_SERVER_ADDRS").map { String(cString: $0) })
    }

    /// Unix-socket peers (guarded by the socket file's mode) and, with no list, everyone.
    func admits(_ peer: sockaddr_storage) -> Bool {
        guard !allowed.isEmpty, peer.ss_family == sa_family_t(AF_INET) else { return true }
        let address = withUnsafePointer(to: peer) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
        }
        return allowed.contains(address)
    }
}

private extension Substring {
    func trimmingCharacters(in characters: String) -> String {
        String(drop(while: { characters.contains($0) }).reversed().drop(while: { characters.contains($0) }).reversed())
    }
}
