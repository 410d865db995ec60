import HTTPMessages

import CFastCGI

/// Writes a response as CGI output: a `Status:` line, headers, a blank line, the body.
enum ResponseWriter {
    static func write(_ response: ServerResponse, to stream: UnsafeMutablePointer<FCGX_Stream>) {
        var head = "Status: \(response.status) \(HTTPStatus.reasonPhrase(response.status))\r\n"
        for (name, value) in response.headers {
            head += "\(name): \(headerSafe(value))\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: response.body)
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = FCGX_PutStr(chars.baseAddress, Int32(chars.count), stream)
            }
        }
    }

    /// A header value never carries CR, LF or other control characters into the output.
    static func headerSafe(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return value }
        return String(value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
    }
}
