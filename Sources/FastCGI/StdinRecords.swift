import HTTPMessages

import CFastCGI
import Glibc

/// Reads a request's body from its `FCGI_STDIN` records, skipping every record of another
/// request id wherever it falls.
///
/// libfcgi skips another id's records too, but a record of another id with no content (the
/// empty `FCGI_PARAMS` that ends a second, multiplexed request's params, say) leaves its skip
/// flag set (`FillBuffProc`, 2.4.2), so the next record of the request being served loses its
/// content: a create whose body followed such a record was answered 400. So the body's records
/// are read here, from what libfcgi has buffered past the params and then from the socket.
/// Another request's `FCGI_BEGIN_REQUEST` is answered `FCGI_CANT_MPX_CONN`, as libfcgi does.
///
/// libfcgi's buffer lies in its private `FCGX_Stream_Data`; its first fields are read at their
/// LP64 offsets, and only once they check out (a stdin reader at a record boundary, pointers
/// within its buffer); otherwise `init` answers nil and libfcgi reads the body itself.
struct StdinRecords {
    private let fd: Int32
    private let requestID: Int
    private var pending: [UInt8]
    private var position = 0

    init?(_ request: UnsafeMutablePointer<FCGX_Request>) {
        guard MemoryLayout<Int>.size == 8, let stream = request.pointee.in, let data = stream.pointee.data,
              request.pointee.ipcFd >= 0, stream.pointee.isReader != 0, stream.pointee.isClosed == 0 else { return nil }
        // FCGX_Stream_Data: buff, bufflen, mBuff, buffStop, type, eorStop, skip, contentLen, paddingLen, ...
        let raw = UnsafeRawPointer(data)
        let buff = raw.load(fromByteOffset: 0, as: UnsafePointer<UInt8>?.self)
        let bufferLength = Int(raw.load(fromByteOffset: 8, as: Int32.self))
        let buffStop = raw.load(fromByteOffset: 24, as: UnsafePointer<UInt8>?.self)
        let type = raw.load(fromByteOffset: 32, as: Int32.self)
        let skip = raw.load(fromByteOffset: 40, as: Int32.self)
        let contentLength = raw.load(fromByteOffset: 44, as: Int32.self)
        let paddingLength = raw.load(fromByteOffset: 48, as: Int32.self)
        guard let buff, let buffStop, let next = stream.pointee.rdNext, type == Int32(RecordHeader.stdin), skip == 0,
              contentLength == 0, paddingLength == 0, bufferLength > 0, bufferLength <= 65_536,
              UnsafePointer(next) >= buff, UnsafePointer(next) <= buffStop, buffStop - buff <= bufferLength,
              stream.pointee.stop == next
        else { return nil }
        fd = request.pointee.ipcFd
        requestID = Int(request.pointee.requestId)
        pending = Array(UnsafeBufferPointer(start: UnsafePointer(next), count: buffStop - UnsafePointer(next)))
        // Everything libfcgi had buffered is this reader's now; its stream reads as ended.
        stream.pointee.rdNext = UnsafeMutablePointer(mutating: buffStop)
        stream.pointee.stop = UnsafeMutablePointer(mutating: buffStop)
        stream.pointee.isClosed = 1
    }

    /// The body, up to `limit` + 1 bytes; a record out of place, a short read or a timeout is `.incomplete`.
    mutating func readBody(announcedLength: String?, limit: Int) -> RequestBody {
        let expected: Int?
        switch RequestReader.announced(announcedLength, limit: limit) {
        case .success(let length): expected = length
        case .failure(let verdict): return verdict.body
        }
        var body: [UInt8] = []
        body.reserveCapacity(min(expected ?? 0, limit) + 1)
        while true {
            guard let start = take(RecordHeader.size), let header = RecordHeader(pending, at: start.lowerBound, end: start.upperBound),
                  header.version == 1, let content = take(header.contentLength) else { return .incomplete }
            let ours = header.requestID == requestID
            // Copied before the next `take`, which may move what is pending.
            if ours && header.type == RecordHeader.stdin { body += pending[content] }
            guard take(header.paddingLength) != nil else { return .incomplete }
            if !ours {
                if header.type == RecordHeader.beginRequest && header.requestID != 0 {
                    RecordHeader.sendEndRequest(header.requestID, status: RecordHeader.cantMultiplex, on: fd)
                }
                continue  // another request's record, or a management record: nothing to do with this one
            }
            guard header.type == RecordHeader.stdin else { return .incomplete }  // FCGI_ABORT_REQUEST or a record out of order
            if header.contentLength == 0 { break }
            if body.count > limit { return .tooLarge }
        }
        if let expected, body.count != expected { return .incomplete }
        return .complete(body)
    }

    /// Where the next `count` bytes lie in `pending`: buffered ones first, then from the socket
    /// (its receive timeout applies). Valid until the next call.
    private mutating func take(_ count: Int) -> Range<Int>? {
        while pending.count - position < count {
            if position > 0 {
                pending.removeFirst(position)
                position = 0
            }
            let received = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16 * 1024) { chunk in
                let received = recv(fd, chunk.baseAddress, chunk.count, 0)
                if received > 0 { pending += chunk[..<received] }
                return received
            }
            if received < 0 && errno == EINTR { continue }
            guard received > 0 else { return nil }
        }
        defer { position += count }
        return position..<position + count
    }
}
