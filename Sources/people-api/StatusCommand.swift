import ArgumentParser
import Foundation
import Scoreboard

/// `people-api status`: the host's responders from their scoreboard, for a terminal.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the responders of this host: processes, workers, the last minute's rate and latency, errors, commits.",
        discussion: "Reads the scoreboard file the responders share (beside their Unix socket: var/run/people-api.scoreboard under `make run`)."
    )

    @Option(name: .long, help: ArgumentHelp("The scoreboard file.", valueName: "path"))
    var scoreboard = "var/run/people-api.scoreboard"

    @Flag(name: .long, help: "Refresh in place until Ctrl-C.")
    var watch = false

    @Flag(name: .long, help: "Print only the pids of the live responders, one a line (for a logrotate postrotate: kill -USR1).")
    var pids = false

    @Option(name: .long, help: "Seconds between refreshes with --watch.")
    var interval = 2.0

    func validate() throws {
        guard interval >= 0.2, interval <= 3600 else { throw ValidationError("--interval must be from 0.2 to 3600 seconds.") }
    }

    func run() throws {
        let board: Scoreboard
        do {
            board = try Scoreboard.openExisting(path: scoreboard)
        } catch {
            FileHandle.standardError.write(Data("people-api status: \(error); is people-api running (make run)?\n".utf8))
            throw ExitCode.failure
        }
        if pids {
            for process in Snapshot(of: board).processes { print(process.pid) }
            return
        }
        guard watch else {
            print(StatusView.render(board), terminator: "")
            return
        }
        FileHandle.standardOutput.write(Data("\u{1B}[2J".utf8))
        while true {
            // Home, the view, then clear what an earlier, longer view left below it.
            let view = StatusView.render(board).replacingOccurrences(of: "\n", with: "\u{1B}[K\n")
            FileHandle.standardOutput.write(Data(("\u{1B}[H" + view + "\u{1B}[J").utf8))
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
