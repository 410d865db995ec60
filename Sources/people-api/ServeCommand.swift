import ArgumentParser
import FastCGI
import Foundation
import Logging
import PeopleAPI
import Scoreboard

/// `people-api serve`: the FastCGI responder.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the API over FastCGI (the default command).",
        discussion: "Without --listen it serves the socket inherited as file descriptor 0, as when started by spawn-fcgi or systemd."
    )

    @Option(name: .long, help: ArgumentHelp(
        "Where to accept FastCGI connections: host:port, or a Unix socket path (unix:PATH or any path with a '/'). Absent: fd 0.",
        valueName: "address"))
    var listen: String?

    @OptionGroup var store: StoreOptions

    /// The measured default (see `ServerConfiguration.defaultWorkerCount`).
    @Option(name: .long, help: "Worker threads; each serves one FastCGI connection at a time (see --running-workers).")
    var workers = ServerConfiguration.defaultWorkerCount

    @Option(name: .long, help: "How many workers take requests at once; one waiting on a disk sync lets another take the next.")
    var runningWorkers = ServerConfiguration.defaultRunningWorkers

    @Option(name: .long, help: ArgumentHelp("The least severe lines to log.", valueName: "level"))
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: "Seconds a FastCGI connection may stay silent before it is dropped.")
    var idleTimeout = 10

    @Option(name: .long, help: ArgumentHelp(
        "The host's metrics file, shared by its responders (or PEOPLE_API_SCOREBOARD). Absent: beside the Unix socket; 'none': this process alone.",
        valueName: "path"))
    var scoreboard: String?

    func validate() throws {
        if let listen, ListenAddress(parsing: listen) == nil {
            throw ValidationError("--listen must be host:port, :port, unix:PATH or a path containing '/'; got '\(listen)'.")
        }
        guard (1...1024).contains(workers) else { throw ValidationError("--workers must be from 1 to 1024.") }
        guard (1...1024).contains(runningWorkers) else { throw ValidationError("--running-workers must be from 1 to 1024.") }
        guard idleTimeout >= 0 else { throw ValidationError("--idle-timeout must not be negative.") }
        // Checked before the database is opened, so that a mistaken start creates nothing.
        if listen == nil && !Self.standardInputIsASocket() {
            throw ValidationError("Nothing to serve: without --listen the responder serves the socket it inherits as file descriptor 0, and fd 0 is not a socket. Give --listen 127.0.0.1:9000 (or unix:PATH), or start it under spawn-fcgi or systemd socket activation.")
        }
    }

    private static func standardInputIsASocket() -> Bool {
        var status = stat()
        return fstat(0, &status) == 0 && (status.st_mode & S_IFMT) == S_IFSOCK
    }

    /// A supervisor (multiwatch, systemd) restarts a responder the moment it exits: one that
    /// cannot start waits a second first, so a broken setup retries calmly instead of spinning.
    private static func failedToStart() -> ExitCode {
        Thread.sleep(forTimeInterval: 1)
        return ExitCode.failure
    }

    func run() throws {
        // Log lines carry local time; without TZ, glibc re-reads /etc/localtime for every
        // line (an fstat each: 3% of a request's CPU in `perf`). A server logs in UTC.
        setenv("TZ", "UTC", 0)
        let shutdown = ShutdownSignals()
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "people-api")
        let logReopening = LogReopening(logger: logger)
        let address = listen.flatMap(ListenAddress.init(parsing:)) ?? .inherited

        let stores: (people: any PersonRepository, tokens: any OperatorTokenStore)
        do {
            stores = try store.open(connectNow: false)
        } catch {
            logger.critical("cannot open the database", metadata: ["database": "\(store.displayName)", "error": "\(store.scrubbed("\(error)"))"])
            throw Self.failedToStart()
        }
        let server = FastCGIServer(
            configuration: ServerConfiguration(address: address, workerCount: workers, runningWorkers: runningWorkers,
                                               idleTimeoutSeconds: idleTimeout),
            handler: PeopleResponder(repository: stores.people, tokens: stores.tokens, logger: logger),
            logger: logger
        )
        do {
            try server.bind()
        } catch {
            logger.critical("cannot start serving", metadata: ["error": "\(error)"])
            throw Self.failedToStart()
        }
        ScoreboardLocation.join(path: ScoreboardLocation.resolve(option: scoreboard, listen: address), workers: workers,
                                store: store.isPostgreSQL ? "postgresql" : "sqlite", logger: logger)
        shutdown.onSignal { signalName in
            logger.notice("\(signalName): finishing in-flight requests, then exiting")
            server.stop()
        }
        logger.notice("serving FastCGI", metadata: ["listen": "\(address)", "database": "\(store.displayName)", "workers": "\(workers)"])
        server.run()
        Metrics.detach()
        withExtendedLifetime((shutdown, logReopening)) {}
        logger.notice("stopped")
    }
}
