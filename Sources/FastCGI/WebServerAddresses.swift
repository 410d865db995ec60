import Glibc
import HTTPMessages

/// `FCGI_WEB_SERVER_ADDRS`: the peers allowed to connect over TCP, comma-separated, each an
/// IPv4 or IPv6 address or a CIDR block of either (`10.0.0.1, 10.0.1.0/24, ::1, fd00::/8`).
/// The front door accepts instead of libfcgi, so it applies the list itself: any other peer's
/// connection is closed before a byte is read.
///
/// It fails closed: an entry it cannot read stops the responder at start (libfcgi drops such an
/// entry, and a list left empty admits everyone); with a list set, a TCP peer not on it is
/// refused whatever its family. An IPv4-mapped IPv6 peer (`::ffff:10.0.0.1`, from a dual-stack
/// socket) is matched as the IPv4 address it is. Unset or empty: every peer is admitted.
struct WebServerAddresses: Sendable, Equatable {
    /// One block: an IPv6 address (IPv4 ones mapped to `::ffff:a.b.c.d`) as two 64-bit halves,
    /// host-order, and how many leading bits must match.
    struct Block: Sendable, Equatable {
        let high: UInt64, low: UInt64, prefix: Int

        func contains(high peerHigh: UInt64, low peerLow: UInt64) -> Bool {
            let highMask: UInt64 = prefix >= 64 ? .max : (prefix == 0 ? 0 : .max << (64 - prefix))
            let lowMask: UInt64 = prefix <= 64 ? 0 : (prefix == 128 ? .max : .max << (128 - prefix))
            return peerHigh & highMask == high & highMask && peerLow & lowMask == low & lowMask
        }
    }

    /// Empty: no list, every peer admitted.
    let blocks: [Block]

    /// Throws `ServerError`, naming the entry, when one cannot be read.
    init(environment value: String?) throws {
        let text = value ?? ""
        guard !text.allSatisfy({ $0 == " " || $0 == "\t" }) else {
            blocks = []
            return
        }
        blocks = try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            let entry = part.trimmingSpacesAndTabs()
            guard let block = Self.block(entry) else {
                throw ServerError(description: "FCGI_WEB_SERVER_ADDRS: cannot read the entry '\(entry)' in '\(text)'; "
                                  + "each entry must be an IPv4 or IPv6 address or a CIDR block (10.0.0.0/24, fd00::/8), "
                                  + "separated by commas. Refusing to start rather than admit peers the list did not mean")
            }
            return block
        }
    }

    static func fromEnvironment() throws -> WebServerAddresses {
        try WebServerAddresses(environment: getenv("FCGI_WEB_SERVER_ADDRS").map { String(cString: $0) })
    }

    /// Unix-socket peers (guarded by the socket file's mode) and, with no list, everyone; with a
    /// list, an IPv4 or IPv6 peer within one of its blocks and no one else.
    func admits(_ peer: sockaddr_storage) -> Bool {
        if blocks.isEmpty || peer.ss_family == sa_family_t(AF_UNIX) { return true }
        let address: (high: UInt64, low: UInt64)
        switch Int32(peer.ss_family) {
        case AF_INET:
            let v4 = withUnsafePointer(to: peer) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
            }
            address = (0, Self.mappedPrefix | UInt64(v4))
        case AF_INET6:
            address = withUnsafePointer(to: peer) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Self.halves($0.pointee.sin6_addr) }
            }
        default:
            return false
        }
        for block in blocks where block.contains(high: address.high, low: address.low) { return true }
        return false
    }

    /// `::ffff:0:0/96`, the low half's top 32 bits.
    private static let mappedPrefix: UInt64 = 0xFFFF << 32

    /// `address` or `address/prefix`, IPv4 or IPv6; nil when unreadable.
    static func block(_ entry: String) -> Block? {
        let pieces = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let host = String(pieces[0])
        var v4 = in_addr(), v6 = in6_addr()
        let base: (high: UInt64, low: UInt64), bits: Int
        if inet_pton(AF_INET, host, &v4) == 1 {
            base = (0, mappedPrefix | UInt64(UInt32(bigEndian: v4.s_addr)))
            bits = 32
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            base = halves(v6)
            bits = 128
        } else {
            return nil
        }
        guard pieces.count == 2 else { return Block(high: base.high, low: base.low, prefix: 128) }
        let digits = pieces[1]
        guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let prefix = Int(digits), prefix <= bits else { return nil }
        // An IPv4 block is a block of the mapped range: its prefix counts from bit 96.
        return Block(high: base.high, low: base.low, prefix: prefix + (128 - bits))
    }

    private static func halves(_ address: in6_addr) -> (high: UInt64, low: UInt64) {
        withUnsafeBytes(of: address) { bytes in
            (bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }, bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
        }
    }
}
