#ifndef PEOPLE_API_SCOREBOARD_H
#define PEOPLE_API_SCOREBOARD_H
// Plain atomics on words of a shared mapping: Swift's `Atomic` owns its storage and cannot sit
// on a word of an `mmap`ed file, so the scoreboard's loads and adds are these, inlined.
// Relaxed: every word is a counter or a gauge on its own; none orders another.
#include <stdint.h>

static inline void scoreboard_add(uint64_t *word, uint64_t value) {
    __atomic_fetch_add(word, value, __ATOMIC_RELAXED);
}

static inline void scoreboard_sub(uint64_t *word, uint64_t value) {
    __atomic_fetch_sub(word, value, __ATOMIC_RELAXED);
}

static inline uint64_t scoreboard_load(const uint64_t *word) {
    return __atomic_load_n(word, __ATOMIC_RELAXED);
}

static inline void scoreboard_store(uint64_t *word, uint64_t value) {
    __atomic_store_n(word, value, __ATOMIC_RELAXED);
}

static inline void scoreboard_store_release(uint64_t *word, uint64_t value) {
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
}

static inline uint64_t scoreboard_load_acquire(const uint64_t *word) {
    return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

#endif
