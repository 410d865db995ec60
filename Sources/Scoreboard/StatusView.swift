import CScoreboard
import Glibc

/// The last minute of the host, from each slot's ring: requests per second, p50 and p99 from
/// the duration buckets, 4xx and 5xx per second.
public struct LastMinute: Sendable {
    public var seconds: Double = 0
    public var requestsPerSecond: Double = 0
    public var clientErrorsPerSecond: Double = 0
    public var serverErrorsPerSecond: Double = 0
    /// Seconds; nil without a request in the window.
    public var p50: Double?
    public var p99: Double?

    public init(of board: Scoreboard, now: UInt64 = Clock.unixMilliseconds()) {
        var buckets = [UInt64](repeating: 0, count: Layout.durationBounds.count + 1)
        var requests = 0.0, client = 0.0, server = 0.0
        board.withLock(LOCK_SH) {
            for index in 0..<Layout.slotCount {
                let slot = board.slot(index)
                guard scoreboard_load(slot + Layout.state) != Layout.never else { continue }
                // The oldest entry of the last 60 s is the baseline; its age is this slot's window.
                var oldest: (time: UInt64, entry: UnsafeMutablePointer<UInt64>)?
                for entry in 0..<Layout.ringEntries {
                    let pointer = slot + Layout.ring + entry * Layout.ringEntryWords
                    let time = scoreboard_load_acquire(pointer + Layout.ringTime)
                    guard time > 0, time + 60_000 >= now, time <= now else { continue }
                    if oldest == nil || time < oldest!.time { oldest = (time, pointer) }
                }
                guard let oldest else { continue }
                let window = max(1, Double(now - oldest.time) / 1000)
                let then = SlotTotals(ring: oldest.entry), current = SlotTotals(slot)
                guard current.requests >= then.requests else { continue }  // an entry being rewritten
                seconds = max(seconds, window)
                requests += Double(current.requests - then.requests) / window
                client += Double(current.clientErrors &- then.clientErrors) / window
                server += Double(current.serverErrors &- then.serverErrors) / window
                for bucket in buckets.indices where current.buckets[bucket] >= then.buckets[bucket] {
                    buckets[bucket] &+= current.buckets[bucket] - then.buckets[bucket]
                }
            }
        }
        requestsPerSecond = requests
        clientErrorsPerSecond = client
        serverErrorsPerSecond = server
        p50 = Self.quantile(0.5, buckets)
        p99 = Self.quantile(0.99, buckets)
    }

    /// As PromQL's `histogram_quantile`: linear within the bucket; the last finite bound past it.
    static func quantile(_ q: Double, _ buckets: [UInt64]) -> Double? {
        let total = buckets.reduce(0, &+)
        guard total > 0 else { return nil }
        let rank = q * Double(total)
        var below: UInt64 = 0
        for (index, count) in buckets.enumerated() {
            if Double(below) + Double(count) >= rank, count > 0 {
                guard index < Layout.durationBounds.count else { return Double(Layout.durationBounds.last!) / 1e9 }
                let lower = index == 0 ? 0 : Double(Layout.durationBounds[index - 1])
                let upper = Double(Layout.durationBounds[index])
                return (lower + (upper - lower) * (rank - Double(below)) / Double(count)) / 1e9
            }
            below &+= count
        }
        return Double(Layout.durationBounds.last!) / 1e9
    }
}

/// `people-api status`: the scoreboard for a person at a terminal, as php-fpm's status page or
/// varnishstat show theirs.
public enum StatusView {
    public static func render(_ board: Scoreboard, now: UInt64 = Clock.unixMilliseconds()) -> String {
        let snapshot = Snapshot(of: board)
        let minute = LastMinute(of: board, now: now)
        var lines: [String] = []
        lines.append("people-api status  \(board.path ?? "(in memory)")  \(utc(now))")
        lines.append("")
        lines.append("processes  \(snapshot.processes.count) live, \(snapshot.processesStarted) started, \(snapshot.processesEndedAbnormally) ended abnormally")
        if !snapshot.processes.isEmpty {
            lines.append("  slot  pid       uptime      requests    busy/workers  memory")
            for process in snapshot.processes {
                let uptime = max(0, Double(now) / 1000 - process.startUnixSeconds)
                lines.append("  " + pad(String(process.slot), 6) + pad(String(process.pid), 10) + pad(duration(uptime), 12) + pad(String(process.requests), 12)
                             + pad("\(process.workersBusy)/\(process.workers)", 14) + (process.residentBytes.map(mebibytes) ?? "-"))
            }
        }
        lines.append("workers    \(snapshot.workersBusy) busy, \(snapshot.workersIdle) idle; \(snapshot.inFlight) requests in flight; \(snapshot.connectionsOpen) FastCGI connections open")
        let window = minute.seconds > 0 ? "last \(Int(minute.seconds.rounded())) s" : "last minute"
        lines.append("\(pad(window, 11))\(fixed(minute.requestsPerSecond, 1)) req/s, p50 \(minute.p50.map(milliseconds) ?? "-"), p99 \(minute.p99.map(milliseconds) ?? "-"), 4xx \(fixed(minute.clientErrorsPerSecond, 2))/s, 5xx \(fixed(minute.serverErrorsPerSecond, 2))/s")
        let byStatus = snapshot.requestsByStatus
        lines.append("requests   " + (byStatus.isEmpty ? "none yet" : byStatus.map { "\($0.status): \($0.count)" }.joined(separator: ", ")))
        let average = snapshot.commits > 0 ? fixed(Double(snapshot.createsCommitted) / Double(snapshot.commits), 2) : "-"
        lines.append("store      \(snapshot.commits) commits, \(snapshot.createsCommitted) creates, \(average) creates per commit; \(snapshot.storeUnavailable) answered 503")
        lines.append("keys       \(snapshot[Layout.idempotentReplays]) replayed, \(snapshot[Layout.keysInFlight]) in flight (409), \(snapshot[Layout.keysReused]) reused (422)")
        return lines.joined(separator: "\n") + "\n"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func fixed(_ value: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        guard value.isFinite, abs(value) < 1e12 else { return "-" }  // a damaged file must not trap
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale), fraction = String(abs(scaled) % Int(scale))
        return places == 0 ? String(whole) : "\(whole).\(String(repeating: "0", count: places - fraction.count))\(fraction)"
    }

    static func milliseconds(_ seconds: Double) -> String { fixed(seconds * 1000, 2) + " ms" }

    static func mebibytes(_ bytes: UInt64) -> String { fixed(Double(bytes) / 1_048_576, 1) + " MiB" }

    static func duration(_ seconds: Double) -> String {
        let total = Int(min(max(0, seconds), 1e12))
        let (days, hours, minutes, rest) = (total / 86400, total / 3600 % 24, total / 60 % 60, total % 60)
        if days > 0 { return "\(days)d\(hours)h" }
        if hours > 0 { return "\(hours)h\(minutes)m" }
        return minutes > 0 ? "\(minutes)m\(rest)s" : "\(rest)s"
    }

    static func utc(_ milliseconds: UInt64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S UTC", &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
