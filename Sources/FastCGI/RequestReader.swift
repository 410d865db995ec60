import HTTPMessages

import CFastCGI
import Glibc

/// Copies one accepted request out of libfcgi into a `ServerRequest`.
enum RequestReader {
    static func read(_ request: UnsafeMutablePointer<FCGX_Request>, maxBodySize: Int) -> ServerRequest {
        let params = copyParams(request.pointee.envp)
        let (path, query) = splitURI(params)
        var records = StdinRecords(request)
        let body = records?.readBody(announcedLength: params["CONTENT_LENGTH"], limit: maxBodySize)
            ?? readBody(request.pointee.in, announcedLength: params["CONTENT_LENGTH"], limit: maxBodySize)
        return ServerRequest(
            method: params["REQUEST_METHOD"] ?? "GET",
            path: path,
            query: query,
            params: params,
            body: body,
            // The FastCGI param the bundled nginx config sets to the request's id (`people-api-fastcgi-params`).
            webServerRequestID: params["REQUEST_ID"]
        )
    }

    /// `CONTENT_LENGTH` as a number within the limit, nil when absent; or the verdict it already decides.
    static func announced(_ text: String?, limit: Int) -> Result<Int?, RequestBodyVerdict> {
        guard let text, !text.isEmpty else { return .success(nil) }
        guard let length = DecimalDigits.value(text, maxDigits: 18) else {
            return .failure(.init(body: .incomplete))
        }
        return length > limit ? .failure(.init(body: .tooLarge)) : .success(length)
    }

    private static func copyParams(_ envp: FCGX_ParamArray?) -> [String: String] {
        var params: [String: String] = [:]
        guard var cursor = envp else { return params }
        params.reserveCapacity(32)  // nginx sends about 25: no growing on the way
        while let entry = cursor.pointee {
            let length = strlen(entry)
            if let equals = memchr(entry, Int32(UInt8(ascii: "=")), length) {
                let nameLength = UnsafeRawPointer(equals) - UnsafeRawPointer(entry)
                let name = String(decoding: UnsafeRawBufferPointer(start: entry, count: nameLength), as: UTF8.self)
                params[name] = String(decoding: UnsafeRawBufferPointer(start: equals + 1, count: length - nameLength - 1), as: UTF8.self)
            }
            cursor += 1
        }
        return params
    }

    private static func splitURI(_ params: [String: String]) -> (path: String, query: String) {
        let uri = params["REQUEST_URI"] ?? params["DOCUMENT_URI"] ?? params["SCRIPT_NAME"] ?? "/"
        if let mark = uri.firstIndex(of: "?") {
            return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
        }
        return (uri, params["QUERY_STRING"] ?? "")
    }

    /// Never trusts `CONTENT_LENGTH` beyond the limit, and never reads past limit + 1 bytes.
    private static func readBody(_ stream: UnsafeMutablePointer<FCGX_Stream>?, announcedLength: String?, limit: Int) -> RequestBody {
        guard let stream else { return .incomplete }
        let expected: Int?
        switch announced(announcedLength, limit: limit) {
        case .success(let length): expected = length
        case .failure(let verdict): return verdict.body
        }
        let capacity = (expected ?? limit) + 1
        // Read in chunks: a request that announces no length (every GET) would otherwise
        // allocate and zero 64 KiB to find an empty body.
        var body: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(capacity, 16 * 1024))
        while body.count < capacity {
            let wanted = Int32(min(chunk.count, capacity - body.count))
            let count = chunk.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Int(FCGX_GetStr(base.assumingMemoryBound(to: CChar.self), wanted, stream))
            }
            if count <= 0 { break }
            body.append(contentsOf: chunk[..<count])
        }
        let received = body.count
        if FCGX_GetError(stream) != 0 { return .incomplete }
        if received > limit { return .tooLarge }
        if let expected, received != expected { return .incomplete }
        return .complete(body)
    }
}

/// A body already decided from its announced length (wrapped so that it can be a `Result`'s failure).
struct RequestBodyVerdict: Error {
    let body: RequestBody
}
