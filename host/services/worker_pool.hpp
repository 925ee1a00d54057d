#pragma once

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace plugin_host {

/// The threads that run complete requests' handlers, which may block: a task handed to
/// run() goes to the thread that became idle last (its stack and cache are warm), or to a
/// new thread while fewer than `limit` exist; both in constant time. Nothing is queued: when
/// every thread is busy, run() says no and the caller answers for itself (a 503, say).
///
/// Threads beyond `keep` that stay idle for `retire_after` end, so that a burst of
/// blocking handlers does not leave thousands of threads behind; an idle thread otherwise
/// waits on its own condition variable, costing no CPU.
///
/// Who calls what: the event loop threads call run(), concurrently; the pool's threads run
/// the tasks; the thread stopping the host calls stop() (never a task: it would wait for
/// itself). Counts may be read from any thread.
///
/// (Generalised from ConnectionThreads, which serves one connection per thread.)
class WorkerPool {
public:
    /// Runs on one of the pool's threads. Must not throw: an exception leaving a task ends
    /// the process (std::terminate), as it would any thread's first function.
    using Task = std::function<void()>;

    struct Limits {
        std::size_t limit = 0;        ///< the most threads there will be
        std::size_t stack_bytes = 0;  ///< each thread's stack
        std::chrono::milliseconds retire_after = std::chrono::seconds(60);  ///< idle this long, a thread beyond `keep` ends
        std::size_t keep = 4;         ///< threads that stay however long idle
    };

    explicit WorkerPool(const Limits& limits);
    /// Calls stop().
    ~WorkerPool();

    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Has `task` run by the idle thread that became idle last, or by a new thread. False,
    /// and the task neither run nor kept, if there is none and no new one can be made: every
    /// one of `limit` threads is busy or stop() was called (`refused` untouched), or the
    /// system refuses a thread (then `refused` says why).
    bool run(Task task, std::string& refused);

    /// Threads that exist, busy or idle.
    std::size_t threads() const;
    /// Threads running a task (or handed one).
    std::size_t busy() const;
    /// Tasks accepted by run() since start.
    std::uint64_t run_count() const { return run_count_.load(std::memory_order_relaxed); }

    /// Accepts no more tasks; ends the idle threads at once and waits for each busy one to
    /// finish its task. Afterwards no thread of the pool exists. Idempotent.
    void stop();

private:
    struct Worker;

    /// Called and returns with `lock` (on mutex_) held, which it releases meanwhile: starts
    /// a thread for a new worker that runs `first`. "" on success; else why not, and `first`
    /// is given back.
    std::string add_worker(std::unique_lock<std::mutex>& lock, Task& first);
    /// A new thread's first function (pthread_create's); runs the worker's loop.
    static void* start(void* worker);
    /// A worker thread: runs its task, becomes idle, waits for the next one; until stop(),
    /// or until it retires.
    void work(Worker& worker);
    /// Called with `lock` held, which it releases: takes an idle worker out of the pool for
    /// good; the calling thread (the worker's) must return at once.
    void retire(std::unique_lock<std::mutex>& lock, Worker& worker);

    const Limits limits_;

    mutable std::mutex mutex_;  ///< guards everything below but the atomic
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<Worker*> idle_;  ///< a stack: the last to become idle is the first handed a task
    /// Workers whose thread retired; kept until stop() (a few dozen bytes each), so that
    /// run() may notify a worker after releasing the lock.
    std::vector<std::unique_ptr<Worker>> retired_;
    std::size_t busy_ = 0;
    std::size_t starting_ = 0;             ///< workers registered whose thread is being made
    std::condition_variable all_started_;  ///< stop() waits on it for starting_ == 0
    bool stopping_ = false;
    /// The thread that retired last, not yet joined: each retiring thread joins the one
    /// before it, and stop() joins the last, so that no thread outlives the pool.
    std::optional<pthread_t> last_retired_;

    std::mutex stop_mutex_;  ///< one stop() at a time: a second waits for the first's joins
    std::atomic<std::uint64_t> run_count_{0};
};

}  // namespace plugin_host
