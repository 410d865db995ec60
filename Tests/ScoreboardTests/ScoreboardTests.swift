import Foundation
import Testing

@testable import Scoreboard

/// Two `Scoreboard`s over one file stand for two processes: a second claim by this process finds
/// the first slot's owner alive (itself) and takes the next.
@Suite struct ScoreboardTests {
    let path = NSTemporaryDirectory() + "scoreboard-\(UUID().uuidString)"

    @Test func slotsOfOneFileAreSummedAndAClaimKeepsADeadOwnersCounts() throws {
        defer { unlink(path) }
        let first = try Scoreboard.open(path: path), second = try Scoreboard.open(path: path)
        #expect(first.claimSlot(workers: 4) == 0)
        #expect(second.claimSlot(workers: 4) == 1)
        first.slot(0)[Layout.requestWord(route: 0, method: 2, status: Labels.status(201))] = 3
        second.slot(1)[Layout.requestWord(route: 0, method: 2, status: Labels.status(201))] = 4
        second.slot(1)[Layout.workersBusy] = 2
        var snapshot = Snapshot(of: first)
        #expect(snapshot.processes.map(\.slot) == [0, 1])
        #expect(snapshot.requestsByStatus.first { $0.status == "201" }?.count == 7)
        #expect(snapshot.workersBusy == 2 && snapshot.workersIdle == 6)
        #expect(snapshot.processesStarted == 2 && snapshot.processesEndedAbnormally == 0)

        // Slot 1's owner dies without releasing it: its counts stay, its gauges go, it ended abnormally.
        second.slot(1)[Layout.ownerPid] = try Self.pidOfAFinishedProcess()
        snapshot = Snapshot(of: first)
        #expect(snapshot.processes.map(\.slot) == [0])
        #expect(snapshot.requestsByStatus.first { $0.status == "201" }?.count == 7)
        #expect(snapshot.workersBusy == 0)
        #expect(snapshot.processesEndedAbnormally == 1)

        // A new process takes the dead owner's slot and keeps adding to its counts.
        let third = try Scoreboard.open(path: path)
        #expect(third.claimSlot(workers: 4) == 1)
        third.slot(1)[Layout.requestWord(route: 0, method: 2, status: Labels.status(201))] += 1
        snapshot = Snapshot(of: first)
        #expect(snapshot.requestsByStatus.first { $0.status == "201" }?.count == 8)
        #expect(snapshot.processesStarted == 3 && snapshot.processesEndedAbnormally == 1)
        #expect(snapshot.processes.count == 2)

        // A clean stop frees the slot without counting an abnormal end.
        first.releaseSlot()
        snapshot = Snapshot(of: third)
        #expect(snapshot.processes.map(\.slot) == [1])
        #expect(snapshot.processesEndedAbnormally == 1)
        #expect(try Scoreboard.open(path: path).claimSlot(workers: 1) == 0)
    }

    @Test func aFileOfAnotherLayoutStartsAfresh() throws {
        defer { unlink(path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: 100)))
        #expect(throws: ScoreboardError.self) { try Scoreboard.openExisting(path: path) }
        let board = try Scoreboard.open(path: path)
        #expect(board.claimSlot(workers: 1) == 0)
        #expect(Snapshot(of: board).processesStarted == 1)
        _ = try Scoreboard.openExisting(path: path)
    }

    @Test func labelsOutsideTheListsAreOther() {
        #expect(MetricsRoute.allCases.map(\.label) == Layout.routes)
        #expect(Labels.method("BREW") == 7)
        #expect(Labels.status(299) == Layout.statuses.count)
    }

    @Test func bucketsTakeTheFirstBoundNotBelowTheValue() {
        #expect(Labels.bucket(0, Layout.durationBounds) == 0)
        #expect(Labels.bucket(50_000, Layout.durationBounds) == 0)
        #expect(Labels.bucket(50_001, Layout.durationBounds) == 1)
        #expect(Labels.bucket(6_000_000_000, Layout.durationBounds) == Layout.durationBounds.count)
        #expect(Labels.bucket(64, Layout.batchBounds) == 6)
        #expect(Labels.bucket(65, Layout.batchBounds) == 7)
    }

    @Test func theExpositionHasEveryFamilyOnceAndCumulativeBuckets() throws {
        defer { unlink(path) }
        let board = try Scoreboard.open(path: path)
        let slot = board.slot(try #require(board.claimSlot(workers: 4)))
        let histogram = Layout.durationWord(route: 0)
        slot[histogram + 0] = 2  // ≤ 50 µs
        slot[histogram + 4] = 1  // ≤ 1 ms
        slot[histogram + Layout.durationBounds.count + 1] = 1_100_000
        slot[histogram + Layout.durationBounds.count + 2] = 3
        slot[Layout.requestWord(route: 0, method: 2, status: Labels.status(422))] = 3
        let text = Exposition.render(Snapshot(of: board), buildInfo: BuildInfo(version: "1.0.0", store: "sqlite"), format: .prometheus)
        #expect(text.contains(#"people_api_requests_total{route="/api/people",method="POST",status="422"} 3"#))
        #expect(text.contains(#"people_api_request_duration_seconds_bucket{route="/api/people",le="0.00005"} 2"#))
        #expect(text.contains(#"people_api_request_duration_seconds_bucket{route="/api/people",le="0.001"} 3"#))
        #expect(text.contains(#"people_api_request_duration_seconds_bucket{route="/api/people",le="+Inf"} 3"#))
        #expect(text.contains(#"people_api_request_duration_seconds_sum{route="/api/people"} 0.0011"#))
        #expect(text.contains(#"people_api_build_info{version="1.0.0",store="sqlite"} 1"#))
        #expect(text.contains("# TYPE people_api_requests_total counter"))
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(Set(types).count == types.count)
        #expect(!text.contains("# EOF"))
        let open = Exposition.render(Snapshot(of: board), buildInfo: BuildInfo(version: "1.0.0", store: "sqlite"), format: .openMetrics)
        #expect(open.hasSuffix("# EOF\n"))
        #expect(open.contains("# TYPE people_api_requests counter"))
        #expect(open.contains("# TYPE people_api_build info"))
    }

    @Test func quantilesInterpolateWithinTheirBucket() {
        var buckets = [UInt64](repeating: 0, count: Layout.durationBounds.count + 1)
        #expect(LastMinute.quantile(0.5, buckets) == nil)
        buckets[1] = 100  // 50–100 µs
        #expect(abs(LastMinute.quantile(0.5, buckets)! - 0.000075) < 1e-9)
        buckets[Layout.durationBounds.count] = 1000
        #expect(LastMinute.quantile(0.99, buckets) == 5)
    }

    @Test func theLastMinuteComesFromTheRing() throws {
        defer { unlink(path) }
        let board = try Scoreboard.open(path: path)
        let slot = board.slot(try #require(board.claimSlot(workers: 4)))
        Sampler.record(slot, entry: 0)
        let word = Layout.requestWord(route: 0, method: 2, status: Labels.status(500))
        slot[word] = 30
        slot[Layout.durationWord(route: 0) + 2] = 30
        let minute = LastMinute(of: board, now: Clock.unixMilliseconds() + 10_000)
        #expect(minute.requestsPerSecond > 2.5 && minute.requestsPerSecond <= 3.0)
        #expect(minute.serverErrorsPerSecond == minute.requestsPerSecond)
        #expect(minute.p50 != nil && minute.p50! > 0.0001 && minute.p50! <= 0.00025)
        #expect(StatusView.render(board).contains("500: 30"))
    }

    static func pidOfAFinishedProcess() throws -> UInt64 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return UInt64(process.processIdentifier)
    }
}
