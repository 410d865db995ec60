import CFastCGI
import Glibc

public struct ServerError: Error, CustomStringConvertible {
    public let description: String
}

/// Opens (or adopts) the socket that every worker accepts on.
enum ListeningSocket {
    static func open(_ configuration: ServerConfiguration) throws -> Int32 {
        let fd: Int32
        switch configuration.address {
        case .inherited:
            fd = 0
            guard isSocket(fd) else {
                throw ServerError(description: "no --listen given and fd 0 is not a socket (start it under spawn-fcgi, or pass --listen)")
            }
        case .tcp(let host, let port) where host.contains(":"):
            fd = openIPv6(host.trimmingBrackets, port: port, backlog: configuration.backlog)
        case .tcp(let host, let port):
            fd = FCGX_OpenSocket("\(host):\(port)", Int32(configuration.backlog))
        case .unix(let path):
            removeStaleSocket(at: path)
            fd = FCGX_OpenSocket(path, Int32(configuration.backlog))
            // Only the owner and its group (nginx's) may connect: libfcgi dies on some
            // hostile records, so nothing but the web server should reach this socket.
            if fd >= 0 { chmod(path, 0o660) }
        }
        guard fd >= 0 else {
            throw ServerError(description: "cannot listen on \(configuration.address): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// The socket was opened by this process, not inherited from spawn-fcgi or systemd: only
    /// then may a stop shut it down (which ends the listening for every process sharing it).
    static func isOwned(_ address: ListenAddress) -> Bool {
        address != .inherited
    }

    /// Read and write timeouts: a peer that goes quiet mid-request releases its worker.
    static func setTimeouts(_ fd: Int32, seconds: Int) {
        guard seconds > 0 else { return }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
    }

    /// libfcgi 2.4.2 listens on IPv4 only (`gethostbyname`): an IPv6 address (`[::1]:9000`, or
    /// `[::]:9000` for both families, IPv4 peers then seen as `::ffff:a.b.c.d`) is opened here.
    private static func openIPv6(_ host: String, port: Int, backlog: Int) -> Int32 {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else {
            errno = EINVAL
            return -1
        }
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var on: Int32 = 1, off: Int32 = 0
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        guard bound == 0, listen(fd, Int32(backlog)) == 0 else {
            let saved = errno
            close(fd)
            errno = saved
            return -1
        }
        return fd
    }

    private static func isSocket(_ fd: Int32) -> Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK
    }

    private static func removeStaleSocket(at path: String) {
        var info = stat()
        if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK {
            unlink(path)
        }
    }
}

private extension String {
    var trimmingBrackets: String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}
