import Foundation
import Glibc
import Logging

/// SIGUSR1 and SIGHUP reopen the log file: logrotate renames it, then signals; the next line
/// goes to a new file of the old name. Lines are single `write`s to fd 2, which `dup2` swaps
/// atomically: each line lands whole in the old file or the new one, none lost. (SIGHUP, which
/// many logrotate recipes send, killed a responder before.) Nothing to reopen when stderr is
/// not a file (a pipe to journald, a terminal): the signals are then ignored.
final class LogReopening: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    let path: String?

    init(logger: Logger) {
        path = Self.stderrFilePath()
        sources = [SIGUSR1, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [path] in
                guard let path else { return }
                let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
                guard descriptor >= 0 else {
                    logger.error("cannot reopen the log file; still writing to the old one", metadata: ["log": "\(path)"])
                    return
                }
                dup2(descriptor, STDERR_FILENO)
                close(descriptor)
                logger.notice("log file reopened", metadata: ["log": "\(path)"])
            }
            source.resume()
            return source
        }
    }

    /// fd 2's path when it is a regular file, read at start (before any rotation renames it).
    private static func stderrFilePath() -> String? {
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/fd/2", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.hasPrefix("/") && !path.hasSuffix(" (deleted)") ? path : nil
    }
}
