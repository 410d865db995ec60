import Glibc

/// A FastCGI record's 8-byte header (FastCGI specification, 3.3): version, type, request id,
/// content and padding lengths. Read by the front door's look at pending records, by the repair
/// of interleaved params and by the body's reader.
struct RecordHeader {
    static let size = 8
    static let beginRequest: UInt8 = 1, endRequest: UInt8 = 3, params: UInt8 = 4, stdin: UInt8 = 5
    /// `FCGI_END_REQUEST`'s protocol statuses: a second request on one connection, a role not served.
    static let cantMultiplex: UInt8 = 1, unknownRole: UInt8 = 3

    let version: UInt8
    let type: UInt8
    let requestID: Int
    let contentLength: Int
    let paddingLength: Int

    /// The header at `offset`, or nil when fewer than 8 of the first `end` bytes lie there.
    init?(_ bytes: [UInt8], at offset: Int, end: Int) {
        guard offset >= 0, min(end, bytes.count) - offset >= Self.size else { return nil }
        version = bytes[offset]
        type = bytes[offset + 1]
        requestID = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        contentLength = Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5])
        paddingLength = Int(bytes[offset + 6])
    }

    /// The whole record: header, content and padding.
    var recordLength: Int { Self.size + contentLength + paddingLength }

    /// Writes `FCGI_END_REQUEST` for `id` on `fd`, with a protocol status and an application status of 0.
    static func sendEndRequest(_ id: Int, status: UInt8, on fd: Int32) {
        let record: [UInt8] = [1, endRequest, UInt8(truncatingIfNeeded: id >> 8), UInt8(truncatingIfNeeded: id), 0, 8, 0, 0,
                               0, 0, 0, 0, status, 0, 0, 0]
        _ = record.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}

/// Which request a connection's records belong to, as libfcgi should tell them apart: the first
/// `FCGI_BEGIN_REQUEST` of a non-zero id begins the request; its records are its own; any later
/// begin (of another id, or of the same id again) is a second request, to be refused; records of
/// id 0 are management records; everything else, before the begin too, is another request's.
/// One walk for the front door's look (`RequestArrival`) and for the repair (`InterleavedParams`).
struct RequestRecords {
    enum Owner { case own, secondBegin, other, management }

    private(set) var requestID: Int?

    mutating func owner(of header: RecordHeader) -> Owner {
        if header.requestID == 0 { return .management }
        if header.type == RecordHeader.beginRequest {
            guard requestID == nil else { return .secondBegin }
            requestID = header.requestID
            return .own
        }
        return header.requestID == requestID ? .own : .other
    }
}
