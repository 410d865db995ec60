/// How the FastCGI server runs; defaults suit the bundled nginx config.
public struct ServerConfiguration: Sendable {
    public var address: ListenAddress
    public var workerCount: Int
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

    /// Four: on a 2-core machine at 64 connections, each runnable worker past the cores is one
    /// more thread preempted mid-request. With the workers waiting on the front door's set
    /// themselves, 4 had the lowest p99 of 4, 6 and 8 for gets, invalid creates and creates.
    public static let defaultWorkerCount = 4

    public init(
        address: ListenAddress,
        workerCount: Int = ServerConfiguration.defaultWorkerCount,
        maxBodySize: Int = 64 * 1024,
        idleTimeoutSeconds: Int = 10,
        backlog: Int = 1024,
        maxConnections: Int = 4096,
        maxParamsBytes: Int = 128 * 1024
    ) {
        self.address = address
        self.workerCount = workerCount
        self.maxBodySize = maxBodySize
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.backlog = backlog
        self.maxConnections = maxConnections
        self.maxParamsBytes = maxParamsBytes
    }
}
