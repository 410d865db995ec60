import Glibc

/// A process as the scoreboard names its owner: pid and start time (clock ticks after boot),
/// so that a pid the kernel has given to another process since is not taken for the owner.
struct ProcessIdentity {
    let pid: UInt64
    let startTicks: UInt64

    static var current: ProcessIdentity {
        let pid = UInt64(getpid())
        return ProcessIdentity(pid: pid, startTicks: stat(pid: pid)?.startTicks ?? 0)
    }

    static func isAlive(pid: UInt64, startTicks: UInt64) -> Bool {
        guard pid > 0, let found = stat(pid: pid) else { return false }
        return found.startTicks == startTicks && found.state != "Z" && found.state != "X"
    }

    /// The state letter and start time from `/proc/PID/stat`.
    static func stat(pid: UInt64) -> (state: Character, startTicks: UInt64)? {
        guard let text = ProcFile.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // After the command's ")": field 3 (state) onwards; the start time is field 22.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let state = fields[0].first, let ticks = UInt64(fields[19]) else { return nil }
        return (state, ticks)
    }

    /// Resident memory in bytes, from `/proc/PID/statm`.
    static func residentBytes(pid: UInt64) -> UInt64? {
        guard let text = ProcFile.read("/proc/\(pid)/statm") else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return nil }
        return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }
}

enum ProcFile {
    static func read(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = Glibc.read(descriptor, &buffer, buffer.count)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

public enum Clock {
    public static func unixMilliseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1000 + UInt64(time.tv_nsec / 1_000_000)
    }

    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
