import Foundation
import Glibc

/// A minimal FastCGI client (the web server's side of the protocol) for tests.
final class FastCGIClient {
    enum RecordType: UInt8 {
        case beginRequest = 1, abortRequest = 2, endRequest = 3, params = 4, stdin = 5, stdout = 6, stderr = 7
    }

    let fd: Int32
    /// The protocol status of the last `FCGI_END_REQUEST` read (0 complete, 1 can't multiplex, 3 unknown role).
    private(set) var protocolStatus: UInt8?

    init(socketPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in socketPath.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { _ = Glibc.close(fd); throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func close() { _ = Glibc.close(fd) }

    static func record(_ type: RecordType, id: UInt16 = 1, _ content: [UInt8]) -> [UInt8] {
        [1, type.rawValue, UInt8(id >> 8), UInt8(id & 0xFF), UInt8(content.count >> 8), UInt8(content.count & 0xFF), 0, 0] + content
    }

    static func beginRequest(role: UInt16 = 1, keepConnection: Bool = false) -> [UInt8] {
        record(.beginRequest, [UInt8(role >> 8), UInt8(role & 0xFF), keepConnection ? 1 : 0, 0, 0, 0, 0, 0])
    }

    static func params(_ params: [(String, String)]) -> [UInt8] {
        var content: [UInt8] = []
        for (name, value) in params {
            for length in [name.utf8.count, value.utf8.count] {
                content += length < 128 ? [UInt8(length)]
                    : [UInt8((length >> 24) | 0x80), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
            }
            content += Array(name.utf8) + Array(value.utf8)
        }
        return record(.params, content) + record(.params, [])
    }

    static func stdin(_ body: [UInt8], chunk: Int = 32_768) -> [UInt8] {
        var bytes: [UInt8] = []
        var offset = 0
        while offset < body.count {
            let end = min(body.count, offset + chunk)
            bytes += record(.stdin, Array(body[offset..<end]))
            offset = end
        }
        return bytes + record(.stdin, [])
    }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Reads stdout records until END_REQUEST or EOF; returns the CGI output.
    func readResponse() -> String? {
        var output: [UInt8] = []
        while let header = readExactly(8) {
            let length = Int(header[4]) << 8 | Int(header[5])
            guard let content = readExactly(length + Int(header[6])) else { return nil }
            if header[1] == RecordType.stdout.rawValue { output += content.prefix(length) }
            if header[1] == RecordType.endRequest.rawValue {
                protocolStatus = content.count > 4 ? content[4] : nil
                return String(decoding: output, as: UTF8.self)
            }
        }
        return nil
    }

    private func readExactly(_ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let got = buffer[received...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got <= 0 { return nil }
            received += got
        }
        return buffer
    }

    /// One whole request on a fresh connection.
    static func request(socketPath: String, method: String = "GET", uri: String, body: [UInt8] = [],
                        extraParams: [(String, String)] = []) throws -> String? {
        let client = try FastCGIClient(socketPath: socketPath)
        defer { client.close() }
        client.send(beginRequest() + params([("REQUEST_METHOD", method), ("REQUEST_URI", uri),
                                              ("CONTENT_LENGTH", "\(body.count)")] + extraParams) + stdin(body))
        return client.readResponse()
    }
}
