import Foundation
import Glibc
import Synchronization

/// The write end of the pipe the signal handler reports on (a C handler captures nothing).
nonisolated(unsafe) private var shutdownPipeWriteEnd: Int32 = -1

/// SIGTERM and SIGINT handled in one place, off the signal handler, on a thread of their own,
/// from the first moment of `serve`: a stop that arrives while the database is still opening is
/// kept and acted on once the server exists, instead of killing a half-started process.
///
/// The handler is installed with `sigaction` before `init` returns. (A dispatch signal source
/// registers its handler later, on libdispatch's manager thread: a Ctrl-C right after start,
/// with the disposition still at "ignore", was lost, and the responder kept running.) The
/// handler only writes the signal's number to a pipe, which is async-signal-safe, whichever
/// thread the kernel picked. Installed before `FCGX_Init`, so libfcgi leaves these signals to us.
final class ShutdownSignals: @unchecked Sendable {
    private let state = Mutex<(received: String?, action: (@Sendable (String) -> Void)?)>((nil, nil))

    init() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { fatalError("people-api: cannot create the signal pipe: errno \(errno)") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        shutdownPipeWriteEnd = ends[1]
        for number in [SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(shutdownPipeWriteEnd, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        let readEnd = ends[0]
        let thread = Thread { [self] in
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count == 1 { received(Int32(byte) == SIGINT ? "SIGINT" : "SIGTERM") }
                if count == 0 || (count < 0 && errno != EINTR) { return }
            }
        }
        thread.name = "signals"
        thread.start()
    }

    /// Runs `action` on the first signal, at once if one has already arrived.
    func onSignal(_ action: @escaping @Sendable (String) -> Void) {
        let early = state.withLock { state -> String? in
            state.action = action
            return state.received
        }
        if let early { action(early) }
    }

    private func received(_ name: String) {
        let action = state.withLock { state -> (@Sendable (String) -> Void)? in
            guard state.received == nil else { return nil }
            state.received = name
            return state.action
        }
        action?(name)
    }
}
