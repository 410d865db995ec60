import CScoreboard
import Glibc

/// Once a second, this process's totals into its slot's ring: what `people-api status` reads
/// the last minute from (rate, p50/p99, errors). One thread, off the request path.
enum Sampler {
    static func start(_ words: UnsafeMutablePointer<UInt64>) {
        var thread = pthread_t()
        if pthread_create(&thread, nil, samplerMain, UnsafeMutableRawPointer(words)) == 0 { pthread_detach(thread) }
    }

    /// An entry is marked unwritten (time 0) while it changes; a reader skips such entries.
    static func record(_ words: UnsafeMutablePointer<UInt64>, entry: Int) {
        let ring = words + Layout.ring + entry * Layout.ringEntryWords
        scoreboard_store_release(ring + Layout.ringTime, 0)
        let totals = SlotTotals(words)
        scoreboard_store(ring + Layout.ringRequests, totals.requests)
        scoreboard_store(ring + Layout.ringClientErrors, totals.clientErrors)
        scoreboard_store(ring + Layout.ringServerErrors, totals.serverErrors)
        for (index, count) in totals.buckets.enumerated() { scoreboard_store(ring + Layout.ringBuckets + index, count) }
        scoreboard_store_release(ring + Layout.ringTime, Clock.unixMilliseconds())
    }
}

/// The sampler thread: its slot's totals into the ring, once a second, for the process's life.
private func samplerMain(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let words = argument?.assumingMemoryBound(to: UInt64.self) else { return nil }
    var tick = 0
    while true {
        Sampler.record(words, entry: tick % Layout.ringEntries)
        tick += 1
        sleep(1)
    }
}

/// One slot's requests, errors and duration buckets (all routes), as the ring keeps them.
struct SlotTotals {
    var requests: UInt64 = 0, clientErrors: UInt64 = 0, serverErrors: UInt64 = 0
    var buckets = [UInt64](repeating: 0, count: Layout.durationBounds.count + 1)

    init() {}

    init(_ words: UnsafePointer<UInt64>) {
        for route in 0..<Layout.routes.count {
            for method in 0..<Layout.methods.count {
                for status in 0..<Layout.statusIndexCount {
                    let count = scoreboard_load(words + Layout.requestWord(route: route, method: method, status: status))
                    guard count > 0 else { continue }
                    requests &+= count
                    let code = status < Layout.statuses.count ? Layout.statuses[status] : 500
                    if code >= 500 { serverErrors &+= count } else if code >= 400 { clientErrors &+= count }
                }
            }
            let histogram = Layout.durationWord(route: route)
            for index in buckets.indices { buckets[index] &+= scoreboard_load(words + histogram + index) }
        }
    }

    init(ring entry: UnsafePointer<UInt64>) {
        requests = scoreboard_load(entry + Layout.ringRequests)
        clientErrors = scoreboard_load(entry + Layout.ringClientErrors)
        serverErrors = scoreboard_load(entry + Layout.ringServerErrors)
        for index in buckets.indices { buckets[index] = scoreboard_load(entry + Layout.ringBuckets + index) }
    }
}
