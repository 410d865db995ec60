import CScoreboard
import Glibc

/// A file of slots (`Layout`), mapped shared by every responder process of a host: each
/// process claims one slot and adds to its words with plain atomic adds, no lock; whoever
/// answers `/api/metrics` (or `people-api status`) sums the slots.
///
/// A slot outlives its process: its counters stay in the sums after a crash, and a process that
/// later claims it keeps adding to them (counters of a slot are never zeroed, only its gauges),
/// so a count never goes backwards. A slot is free when it was never used, its owner released it
/// (a clean stop), or its owner (pid and start time, so a recycled pid is no owner) is gone; the
/// last is a process that ended abnormally, counted when its slot is claimed again, and until
/// then by whoever sums. Claiming and summing take the file's `flock`; requests never do.
public final class Scoreboard: @unchecked Sendable {
    let base: UnsafeMutablePointer<UInt64>
    private let descriptor: Int32
    /// The file, or nil for a scoreboard of this process alone (no file was given).
    public let path: String?
    /// This process's slot, once claimed.
    public private(set) var slotIndex: Int?

    private init(base: UnsafeMutablePointer<UInt64>, descriptor: Int32, path: String?) {
        self.base = base
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        munmap(base, Layout.fileBytes)
        if descriptor >= 0 { close(descriptor) }
    }

    /// Opens the file, creating it (mode 0600) or starting it afresh when its layout is another's.
    public static func open(path: String) throws -> Scoreboard {
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ScoreboardError("cannot open the scoreboard \(path): \(String(cString: strerror(errno)))") }
        flock(descriptor, LOCK_EX)
        defer { flock(descriptor, LOCK_UN) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            close(descriptor)
            throw ScoreboardError("cannot read the scoreboard \(path): \(String(cString: strerror(errno)))")
        }
        var header = [UInt64](repeating: 0, count: 4)
        let fresh = status.st_size != Layout.fileBytes
            || pread(descriptor, &header, 32, 0) != 32
            || header != [Layout.magic, Layout.version, UInt64(Layout.slotCount), UInt64(Layout.slotWords)]
        if fresh {
            // Another layout (or none yet): begin again from zero, holes and all.
            guard ftruncate(descriptor, 0) == 0, ftruncate(descriptor, off_t(Layout.fileBytes)) == 0 else {
                close(descriptor)
                throw ScoreboardError("cannot size the scoreboard \(path): \(String(cString: strerror(errno)))")
            }
        }
        guard let mapped = mmap(nil, Layout.fileBytes, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            close(descriptor)
            throw ScoreboardError("cannot map the scoreboard \(path): \(String(cString: strerror(errno)))")
        }
        let board = Scoreboard(base: mapped.assumingMemoryBound(to: UInt64.self), descriptor: descriptor, path: path)
        if fresh {
            board.base[Layout.headerVersion] = Layout.version
            board.base[Layout.headerSlotCount] = UInt64(Layout.slotCount)
            board.base[Layout.headerSlotWords] = UInt64(Layout.slotWords)
            scoreboard_store_release(board.base + Layout.headerMagic, Layout.magic)
        }
        return board
    }

    /// Opens an existing file to read (`people-api status`): never creates nor starts it afresh.
    public static func openExisting(path: String) throws -> Scoreboard {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ScoreboardError("cannot open the scoreboard \(path): \(String(cString: strerror(errno)))") }
        var header = [UInt64](repeating: 0, count: 4)
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size == Layout.fileBytes, pread(descriptor, &header, 32, 0) == 32,
              header == [Layout.magic, Layout.version, UInt64(Layout.slotCount), UInt64(Layout.slotWords)]
        else {
            close(descriptor)
            throw ScoreboardError("\(path) is not a scoreboard of this build of people-api")
        }
        guard let mapped = mmap(nil, Layout.fileBytes, PROT_READ, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            close(descriptor)
            throw ScoreboardError("cannot map the scoreboard \(path): \(String(cString: strerror(errno)))")
        }
        return Scoreboard(base: mapped.assumingMemoryBound(to: UInt64.self), descriptor: descriptor, path: path)
    }

    /// A scoreboard of this process alone, in private memory: until `Metrics.attach`, or where no file is given.
    public static func inMemory() -> Scoreboard {
        let mapped = mmap(nil, Layout.fileBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        let board = Scoreboard(base: mapped.assumingMemoryBound(to: UInt64.self), descriptor: -1, path: nil)
        board.base[Layout.headerMagic] = Layout.magic
        return board
    }

    func slot(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        base + Layout.headerWords + index * Layout.slotWords
    }

    /// Takes a free slot for this process (the first never used, released, or left by a dead
    /// owner); nil when every slot has a live owner.
    public func claimSlot(workers: Int) -> Int? {
        let me = ProcessIdentity.current
        return withLock(LOCK_EX) { () -> Int? in
            var chosen: Int?
            for index in 0..<Layout.slotCount {
                let words = slot(index)
                let state = scoreboard_load(words + Layout.state)
                if state != Layout.live || !ProcessIdentity.isAlive(pid: words[Layout.ownerPid], startTicks: words[Layout.ownerStartTicks]) {
                    chosen = index
                    break
                }
            }
            guard let index = chosen else { return nil }
            let words = slot(index)
            if scoreboard_load(words + Layout.state) == Layout.live {
                scoreboard_add(words + Layout.processesEndedAbnormally, 1)  // its owner died without releasing it
            }
            for gauge in [Layout.inFlight, Layout.workersBusy, Layout.connectionsHeld] { scoreboard_store(words + gauge, 0) }
            words[Layout.ownerPid] = me.pid
            words[Layout.ownerStartTicks] = me.startTicks
            words[Layout.startUnixMilliseconds] = Clock.unixMilliseconds()
            words[Layout.workers] = UInt64(workers)
            scoreboard_add(words + Layout.processesStarted, 1)
            scoreboard_store(words + Layout.state, Layout.live)
            slotIndex = index
            return index
        }
    }

    /// A clean stop: the slot is free again, its counters kept, its gauges zero.
    public func releaseSlot() {
        guard let index = slotIndex else { return }
        withLock(LOCK_EX) {
            let words = slot(index)
            for gauge in [Layout.inFlight, Layout.workersBusy, Layout.connectionsHeld] { scoreboard_store(words + gauge, 0) }
            scoreboard_store(words + Layout.state, Layout.released)
        }
    }

    func withLock<T>(_ operation: Int32, _ body: () -> T) -> T {
        guard descriptor >= 0 else { return body() }
        while flock(descriptor, operation) != 0 && errno == EINTR {}
        defer { flock(descriptor, LOCK_UN) }
        return body()
    }
}

public struct ScoreboardError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
