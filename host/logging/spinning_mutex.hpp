#pragma once

#include <pthread.h>

namespace plugin_host {

/// A mutex that spins briefly before it sleeps (glibc's adaptive mutex): for a lock held a
/// few dozen nanoseconds by threads on every core, where a plain mutex turns most
/// collisions into a futex wait and wake, two system calls each.
/// bench/micro/logging_benchmark.cpp measures it against std::mutex.
class SpinningMutex {
public:
    SpinningMutex() {
        pthread_mutexattr_t attributes;
        pthread_mutexattr_init(&attributes);
        pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ADAPTIVE_NP);
        pthread_mutex_init(&mutex_, &attributes);
        pthread_mutexattr_destroy(&attributes);
    }
    ~SpinningMutex() { pthread_mutex_destroy(&mutex_); }
    SpinningMutex(const SpinningMutex&) = delete;
    SpinningMutex& operator=(const SpinningMutex&) = delete;

    void lock() { pthread_mutex_lock(&mutex_); }
    void unlock() { pthread_mutex_unlock(&mutex_); }

private:
    pthread_mutex_t mutex_;
};

}  // namespace plugin_host
