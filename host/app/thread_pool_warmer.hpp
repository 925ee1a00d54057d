#pragma once

#include <Poco/Logger.h>
#include <Poco/Runnable.h>
#include <Poco/ThreadPool.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace plugin_host {

/// Creates a pool's threads in the background, so that the server answers at once and a
/// first burst of connections still finds a thread ready for each. Poco's ThreadPool only
/// creates a thread when none is idle, so the warmer occupies `count` threads at once with
/// tasks that wait, then lets them all go idle. The pool must have room for those tasks
/// beside the server's own (the Host gives it twice the connection capacity), so the
/// server never waits for the warmer.
///
/// If the system will not make `count` threads (RLIMIT_NPROC, a container's pids limit),
/// the warmer stops at the first thread it cannot make and calls `shortfall` with the
/// number the pool has, on the warmer's thread.
///
/// Owned by the Host; its destructor releases the waiting tasks and joins its thread.
class ThreadPoolWarmer final : private Poco::Runnable {
public:
    using Shortfall = std::function<void(int threads)>;

    ThreadPoolWarmer(Poco::ThreadPool& pool, int count, Poco::Logger& logger, Shortfall shortfall = {});
    ~ThreadPoolWarmer();

    ThreadPoolWarmer(const ThreadPoolWarmer&) = delete;
    ThreadPoolWarmer& operator=(const ThreadPoolWarmer&) = delete;

    /// Blocks until the threads exist and are idle again.
    void wait();

private:
    void warm(int count);
    void run() override;  // on a pool thread: wait until released

    Poco::ThreadPool& pool_;
    Poco::Logger& logger_;
    Shortfall shortfall_;
    std::mutex mutex_;
    std::condition_variable counted_;   ///< the warmer thread waits on it for the count
    std::condition_variable released_;  ///< the held tasks wait on it, woken once
    int arrived_ = 0;  ///< tasks that entered run()
    int left_ = 0;     ///< tasks that are leaving run(): released
    bool release_ = false;
    bool done_ = false;
    std::thread thread_;
};

}  // namespace plugin_host
