import Glibc
import Logging

/// swift-log's `StreamLogHandler` line format (`<time> <level> <label>: <metadata> [<source>]
/// <message>`), written with one `write(2)` per line and no lock.
///
/// `StreamLogHandler` writes through stdio: `flockfile`, `fwrite`, `fflush` (the system call)
/// and `funlockfile`, so every worker's line queues behind one lock, held across a system
/// call by whichever thread the scheduler preempts there. A single `write` needs no lock: the
/// kernel keeps a line of one `write` whole on a pipe (up to 4 KiB) and on a file. (The line
/// per request costs a get 15–20% of its CPU either way, measured against `--log-level notice`.)
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let fileDescriptor: Int32

    public init(label: String, fileDescriptor: Int32 = STDERR_FILENO) {
        self.label = label
        self.fileDescriptor = fileDescriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = Self.timestamp()
        line += " \(event.level.rawValue) \(label):"  // the case's name, without reflection
        var all = metadata
        if let explicit = event.metadata { all.merge(explicit) { _, explicit in explicit } }
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        line += " [\(event.source)] \(event.message)\n"
        line.withUTF8 { Self.writeAll($0, to: fileDescriptor) }
    }

    private static func writeAll(_ bytes: UnsafeBufferPointer<UInt8>, to fileDescriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return  // a log that cannot be written must not stop a request
            }
        }
    }

    /// Local time as `StreamLogHandler` writes it: `2026-11-23T03:04:05+0000`.
    private static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            let length = strftime(buffer.baseAddress!, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: length).bindMemory(to: UInt8.self), as: UTF8.self)
        }
    }
}
