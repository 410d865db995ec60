/// The scoreboard file's fixed layout, in 64-bit words: a header, then `slotCount` slots of
/// `slotWords` words, one per responder process. Every word is a counter, a gauge or an
/// identity field; nothing points anywhere, so any process (or `people-api status`) that maps
/// the file reads the same numbers. A build whose layout differs starts the file afresh.
public enum Layout {
    public static let magic: UInt64 = 0x3142_5243_5350_4550  // "PEPSCRB1", little-endian
    /// Changes whenever a word below moves: a file of another layout is started afresh.
    static let version: UInt64 = 3
    public static let slotCount = 128
    static let headerWords = 64

    // Header words.
    static let headerMagic = 0, headerVersion = 1, headerSlotCount = 2, headerSlotWords = 3

    // MARK: Labels, each a fixed list so that each combination has its word

    /// Route templates (`MetricsRoute`'s labels), never the path asked for.
    public static let routes = ["/api/people", "/api/people/{id}", "/api/health", "/api/metrics", "other"]
    public static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"]
    /// Every status the responder answers; any other is counted as "other".
    public static let statuses = [200, 201, 204, 304, 400, 401, 403, 404, 405, 406, 409, 410, 412, 413, 414,
                                  415, 422, 428, 429, 431, 500, 501, 502, 503, 504]
    /// Request duration buckets' upper bounds, in nanoseconds: 50 µs to 5 s.
    public static let durationBounds: [UInt64] = [
        50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000,
        50_000_000, 100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000, 5_000_000_000,
    ]
    /// Creates per store commit (the group commit's batch size; at most 64).
    public static let batchBounds: [UInt64] = [1, 2, 4, 8, 16, 32, 64]

    static let statusIndexCount = statuses.count + 1  // the last: "other"
    static let histogramWords = durationBounds.count + 3  // buckets, +Inf, sum (ns), count

    // MARK: Slot words

    // Identity (written under the file's lock by the process that claims the slot).
    static let ownerPid = 0, ownerStartTicks = 1, state = 2, startUnixMilliseconds = 3, workers = 4
    // Counters of the slot's whole life, across owners.
    static let processesStarted = 5, processesEndedAbnormally = 6
    // Gauges of the live owner (zeroed when a new process claims the slot).
    static let inFlight = 8, workersBusy = 9, connectionsHeld = 10
    // Counters.
    static let connectionsClosedIdle = 11, connectionsRefused = 12, commits = 13, storeUnavailable = 14,
               idempotentReplays = 15, keysInFlight = 16, keysReused = 17, connectionsAccepted = 18
    /// Creates per commit: `batchBounds.count` buckets, +Inf, sum, count.
    static let batchHistogram = 20
    static let requests = 32
    static let requestWords = routes.count * methods.count * statusIndexCount
    static let durations = requests + requestWords
    static let durationWords = routes.count * histogramWords

    /// The last minute, for `people-api status`: one entry a second, written by the owner's sampler.
    static let ring = durations + durationWords
    static let ringEntries = 64
    /// Per entry: when (Unix ms), requests, 4xx, 5xx, duration buckets + +Inf (all routes summed).
    static let ringTime = 0, ringRequests = 1, ringClientErrors = 2, ringServerErrors = 3, ringBuckets = 4
    static let ringEntryWords = ringBuckets + durationBounds.count + 1
    static let slotWords = roundUp(ring + ringEntries * ringEntryWords, to: 8)  // whole cache lines

    static let fileBytes = (headerWords + slotCount * slotWords) * 8

    // Slot states.
    static let never: UInt64 = 0, live: UInt64 = 1, released: UInt64 = 2

    static func requestWord(route: Int, method: Int, status: Int) -> Int {
        requests + (route * methods.count + method) * statusIndexCount + status
    }

    static func durationWord(route: Int) -> Int { durations + route * histogramWords }

    private static func roundUp(_ value: Int, to multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }
}
