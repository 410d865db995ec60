import Foundation
import Glibc

/// The open-file limit the front door lives within.
///
/// A shell and systemd both give a soft limit of 1,024 descriptors (hard: 524,288 under
/// systemd); the server raises the soft limit to the hard one at start, then bounds the
/// connections it holds below what is left once its own descriptors (the store's files, logs,
/// epoll, the socket) and the workers' connections are counted, with room to spare.
enum DescriptorLimit {
    /// Descriptors kept free beyond those open at start (a quarter of the limit, 12 to 32): the
    /// store opens files lazily (a reader's database and WAL), and a log may be reopened.
    static func headroom(limit: Int) -> Int { min(32, max(12, limit / 4)) }

    /// Raises the soft limit to the hard one; the bound on held connections under it.
    static func connectionBound(configured: Int, workers: Int) -> Int {
        raiseToHardLimit()
        let limit = current()
        let spare = limit - openNow() - max(1, workers) - headroom(limit: limit)
        return max(1, min(configured, spare))
    }

    static func current() -> Int {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        return Int(clamping: min(limit.rlim_cur, rlim_t(Int32.max)))
    }

    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

    private static func raiseToHardLimit() {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(resource, &limit)
    }

    /// Descriptors open in this process now.
    private static func openNow() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 64
    }
}
