import FastCGI
import Foundation
import Glibc
import Logging
import Scoreboard

/// Where the host's scoreboard is, and how this process joins it.
enum ScoreboardLocation {
    static let fileName = "people-api.scoreboard"

    /// `--scoreboard`, else `PEOPLE_API_SCOREBOARD`, else beside the FastCGI socket when it is a
    /// Unix one (every responder of the host shares that socket, so they share the file); nil
    /// for TCP without either (this process alone, in memory).
    static func resolve(option: String?, listen: ListenAddress) -> String? {
        if let option, !option.isEmpty { return option == "none" ? nil : option }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PEOPLE_API_SCOREBOARD"], !fromEnvironment.isEmpty {
            return fromEnvironment == "none" ? nil : fromEnvironment
        }
        let socketPath: String?
        switch listen {
        case .unix(let path): socketPath = path
        case .inherited: socketPath = inheritedUnixSocketPath()
        case .tcp: socketPath = nil
        }
        guard let socketPath, let slash = socketPath.lastIndex(of: "/") else { return socketPath.map { _ in fileName } }
        return String(socketPath[...slash]) + fileName
    }

    /// The path of the Unix socket inherited as fd 0 (spawn-fcgi, systemd), if it is one.
    private static func inheritedUnixSocketPath() -> String? {
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(0, $0, &length) }
        }
        guard named == 0, address.sun_family == sa_family_t(AF_UNIX) else { return nil }
        let path = withUnsafeBytes(of: address.sun_path) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return path.isEmpty ? nil : path
    }

    /// Joins the scoreboard; a file that cannot be opened or has no free slot costs the metrics
    /// of this process, never the service.
    static func join(path: String?, workers: Int, store: String, logger: Logger) {
        Metrics.buildInfo = BuildInfo(version: PeopleAPICommand.version, store: store)
        guard let path else {
            logger.notice("no scoreboard file (TCP without --scoreboard): /api/metrics covers this process only")
            _ = Metrics.attach(Scoreboard.inMemory(), workers: workers)
            return
        }
        do {
            let board = try Scoreboard.open(path: path)
            if Metrics.attach(board, workers: workers) == nil {
                logger.warning("every scoreboard slot has a live process: this one is not in /api/metrics", metadata: ["scoreboard": "\(path)"])
            }
        } catch {
            logger.error("cannot use the scoreboard: /api/metrics covers this process only", metadata: ["error": "\(error)"])
        }
    }
}
