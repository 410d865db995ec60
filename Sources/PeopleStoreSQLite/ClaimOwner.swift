import PeopleAPI
import Glibc

/// Which process holds an `Idempotency-Key` claim in an SQLite file, told so that another
/// process on the same host (an SQLite file has one host) can see that the owner is gone: a
/// responder killed between its claim and its commit must not leave the key "in use" for
/// the retry that the contract tells clients to send.
///
/// The process id alone could name a newer process that got the same id; its start time
/// (field 22 of `/proc/PID/stat`, clock ticks since boot) tells the two apart.
enum ClaimOwner {
    /// This process: "pid:starttime".
    static let current: String = "\(getpid()):\(startTime(of: getpid()) ?? "0")"

    /// False when the process that wrote `owner` has ended (or its id now names another process).
    static func isAlive(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count == 2, let pid = Int32(parts[0]), pid > 0 else { return true }  // unknown form: let the clock decide
        return startTime(of: pid) == String(parts[1])
    }

    private static func startTime(of pid: Int32) -> String? {
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces: count from after it.
        guard let close = line.lastIndex(of: ")") else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        // Fields from 3 on: `starttime` is field 22, the 20th after the parenthesis.
        return fields.count > 19 ? String(fields[19]) : nil
    }
}
