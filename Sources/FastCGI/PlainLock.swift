import Glibc

/// A value behind a plain `pthread_mutex_t`.
///
/// `Synchronization.Mutex` is a priority-inheriting futex on Linux: with every worker taking
/// one lock per request, the kernel's rt_mutex bookkeeping and spinning measured a fifth of
/// all CPU in `perf`. A plain mutex sleeps in the kernel only when it is contended.
final class PlainLock<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
