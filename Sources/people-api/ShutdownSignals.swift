import Dispatch
import Glibc
import Synchronization

/// SIGTERM and SIGINT handled in one place, off the signal handler, on a queue, from the
/// first moment of `serve`: a stop that arrives while the database is still opening is kept
/// and acted on once the server exists, instead of killing a half-started process.
/// (Installed before `FCGX_Init`, so libfcgi leaves these signals to us.)
final class ShutdownSignals: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let state = Mutex<(received: String?, action: (@Sendable (String) -> Void)?)>((nil, nil))

    init() {
        sources = [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in received(name) }
            source.resume()
            return source
        }
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
