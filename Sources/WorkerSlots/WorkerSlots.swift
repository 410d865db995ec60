import Dispatch
import Glibc

/// How many worker threads take new requests at once, and a way for one to step aside while it
/// waits on I/O.
///
/// Two cores run a few threads well: each runnable thread past them is preempted mid-request,
/// which is what the tail measured at 64 connections (4 workers had the lowest p99 of 4, 6 and 8).
/// But a create waits for its commit's disk sync, and a worker that waits still counted among the
/// few: with 4 workers, at most 4 creates shared one sync. So the server runs more worker threads
/// than slots. A worker takes a slot before it waits for a connection and keeps it from request to
/// request, until it starts waiting on I/O (`waitingOnIO`): it gives the slot up then, and another
/// worker takes the next request, which can join the next commit. A worker back from its wait
/// finishes its request without a slot (only its answer is left to write), so it never waits
/// behind idle workers that hold slots, and then lines up for one. Without I/O waits, the same
/// `count` workers take every request, with no hand-over between threads: as many as the
/// measured best, with the same tail (the p99 of invalid creates at 64 connections doubled when
/// every thread took requests and queued for a slot afterwards; handing the slot over after every
/// request cost invalid creates a third of their rate at 64 connections).
public final class WorkerSlots: @unchecked Sendable {
    public let count: Int
    private var free: Int
    /// Workers waiting for a slot, first in line first; each is woken with the slot already its own.
    private var line: [DispatchSemaphore] = []
    private var mutex = pthread_mutex_t()

    public init(count: Int) {
        self.count = max(1, count)
        free = self.count
        pthread_mutex_init(&mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(&mutex)
    }

    /// Takes a slot for this thread's next request, waiting in line while every slot is taken; a
    /// worker that kept its slot from its last request goes on at once. Returns true, so that it
    /// can stand in a `while` condition.
    @discardableResult
    public func takeForNextRequest() -> Bool {
        if Self.thisThread().holdsSlot { return true }
        pthread_mutex_lock(&mutex)
        if free > 0 {
            free -= 1
            pthread_mutex_unlock(&mutex)
        } else {
            let waiter = Self.thisThread().waiter
            line.append(waiter)
            pthread_mutex_unlock(&mutex)
            waiter.wait()
        }
        Self.thisThread().holdsSlot = true
        return true
    }

    /// Gives this thread's slot back, if it still holds one (a wait on I/O may have given it already).
    public func giveBackIfHeld() {
        let worker = Self.thisThread()
        guard worker.holdsSlot else { return }
        worker.holdsSlot = false
        pthread_mutex_lock(&mutex)
        if line.isEmpty {
            free += 1
            pthread_mutex_unlock(&mutex)
        } else {
            let next = line.removeFirst()
            pthread_mutex_unlock(&mutex)
            next.signal()
        }
    }

    /// Marks this thread as one of this server's workers: `waitingOnIO` on it gives its slot back.
    /// A thread that never adopted slots (a command, a test) waits as it would anyway.
    public func adoptOnThisThread() {
        Self.thisThread().slots = self
    }

    /// Runs `wait`, a wait on I/O, with this worker's slot given to the next request meanwhile.
    public static func waitingOnIO<T>(_ wait: () throws -> T) rethrows -> T {
        thisThread().slots?.giveBackIfHeld()
        return try wait()
    }

    /// What one thread knows of its slot; only that thread reads or writes it.
    private final class Worker {
        /// Unowned: the server keeps its slots for as long as its workers run.
        unowned(unsafe) var slots: WorkerSlots?
        var holdsSlot = false
        let waiter = DispatchSemaphore(value: 0)
    }

    private static let workerKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    private static func thisThread() -> Worker {
        if let stored = pthread_getspecific(workerKey) {
            return Unmanaged<Worker>.fromOpaque(stored).takeUnretainedValue()
        }
        // Kept for the thread's life (workers live as long as the process; a test thread leaks one).
        let worker = Worker()
        pthread_setspecific(workerKey, Unmanaged.passRetained(worker).toOpaque())
        return worker
    }
}
