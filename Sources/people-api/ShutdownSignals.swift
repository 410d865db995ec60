import Dispatch
import Glibc

/// SIGTERM and SIGINT handled in one place, off the signal handler, on a queue.
/// Set before `FCGX_Init` runs would matter too: libfcgi only installs its own
/// handlers where the disposition is still the default.
final class ShutdownSignals {
    private let sources: [any DispatchSourceSignal]

    init(onSignal: @escaping @Sendable (String) -> Void) {
        sources = [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { onSignal(name) }
            source.resume()
            return source
        }
    }
}
