import HTTPMessages

/// How the FastCGI server runs; defaults suit the bundled nginx config.
public struct ServerConfiguration: Sendable {
    public var address: ListenAddress
    /// Worker threads: each holds one FastCGI connection while it serves a request.
    public var workerCount: Int
    /// How many of them run request work at once (`WorkerSlots`); the others wait for a slot,
    /// and a worker waiting on a disk sync gives its slot up meanwhile.
    public var runningWorkers: Int
    /// Bodies above this many bytes are refused unread (nginx enforces the same limit first).
    public var maxBodySize: Int
    /// A connection that sends nothing for this long is dropped, so idle peers cannot pin workers.
    public var idleTimeoutSeconds: Int
    public var backlog: Int
    /// Open connections one process holds at most; past it, the one that has waited longest is
    /// closed. The server lowers it to fit under the descriptor limit it has (`DescriptorLimit`).
    public var maxConnections: Int
    /// Bytes of `FCGI_PARAMS` one request may carry (nginx sends a few KiB; its header buffers are 32 KiB).
    public var maxParamsBytes: Int

    /// Four take requests at once (`WorkerSlots`): on a 2-core machine at 64 connections, each
    /// runnable worker past the cores is one more thread preempted mid-request, and 4 had the
    /// lowest p99 of 4, 6 and 8 for gets, invalid creates and creates. Sixteen threads, so that
    /// while creates wait for their commit's disk sync, others take the next requests and share
    /// the next sync: measured in one run against 4 threads, durable creates at 64 connections
    /// went from 5,100–5,700/s to 7,300/s (p99 18–19 → 14 ms), invalid creates' p99 unchanged.
    public static let defaultWorkerCount = 16
    public static let defaultRunningWorkers = 4

    public init(
        address: ListenAddress,
        workerCount: Int = ServerConfiguration.defaultWorkerCount,
        runningWorkers: Int = ServerConfiguration.defaultRunningWorkers,
        maxBodySize: Int = RequestLimits.bodyBytes,
        idleTimeoutSeconds: Int = 10,
        backlog: Int = 1024,
        maxConnections: Int = 4096,
        maxParamsBytes: Int = 128 * 1024
    ) {
        self.address = address
        self.workerCount = workerCount
        self.runningWorkers = runningWorkers
        self.maxBodySize = maxBodySize
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.backlog = backlog
        self.maxConnections = maxConnections
        self.maxParamsBytes = maxParamsBytes
    }
}
