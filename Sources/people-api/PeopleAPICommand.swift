import ArgumentParser
import FastCGI
import Foundation
import Logging
import PeopleAPI

@main
struct PeopleAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "people-api",
        abstract: "The People API: a FastCGI responder that stores person records in SQLite.",
        discussion: """
            Runs behind a web server (the bundled nginx config in nginx/) that speaks HTTP to \
            browsers and FastCGI to this process. Without --listen it serves the socket \
            inherited as file descriptor 0, as when started by spawn-fcgi.

            Examples:
              people-api --listen var/people-api.sock
              people-api --listen 127.0.0.1:9000 --database /srv/people/people.sqlite
              spawn-fcgi -s var/people-api.sock -n -- .build/release/people-api
            """
    )

    @Option(name: .long, help: ArgumentHelp(
        "Where to accept FastCGI connections: host:port, or a Unix socket path (unix:PATH or any path with a '/'). Absent: fd 0.",
        valueName: "address"))
    var listen: String?

    @Option(name: .long, help: ArgumentHelp("The SQLite database file; created, with its folder, if missing.", valueName: "path"))
    var database = "var/people.sqlite"

    @Option(name: .long, help: "Worker threads; each serves one FastCGI connection at a time.")
    var workers = 16

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: "Seconds a FastCGI connection may stay silent before it is dropped.")
    var idleTimeout = 10

    func validate() throws {
        if let listen, ListenAddress(parsing: listen) == nil {
            throw ValidationError("--listen must be host:port, :port, unix:PATH or a path containing '/'; got '\(listen)'.")
        }
        guard (1...1024).contains(workers) else { throw ValidationError("--workers must be from 1 to 1024.") }
        guard idleTimeout >= 0 else { throw ValidationError("--idle-timeout must not be negative.") }
    }

    func run() throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "people-api")
        let address = listen.flatMap(ListenAddress.init(parsing:)) ?? .inherited

        let repository: PersonSQLiteRepository
        do {
            repository = try PersonSQLiteRepository(path: database)
        } catch {
            logger.critical("cannot open the database", metadata: ["path": "\(database)", "error": "\(error)"])
            throw ExitCode.failure
        }
        let server = FastCGIServer(
            configuration: ServerConfiguration(address: address, workerCount: workers, idleTimeoutSeconds: idleTimeout),
            handler: PeopleResponder(repository: repository, logger: logger),
            logger: logger
        )
        do {
            try server.bind()
        } catch {
            logger.critical("cannot listen", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        let shutdown = ShutdownSignals { signalName in
            logger.notice("\(signalName): finishing in-flight requests, then exiting")
            server.stop()
        }
        logger.notice("serving FastCGI", metadata: ["listen": "\(address)", "database": "\(database)", "workers": "\(workers)"])
        server.run()
        withExtendedLifetime(shutdown) {}
        logger.notice("stopped")
    }
}
