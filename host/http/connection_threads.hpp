#pragma once

#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace plugin_host {

/// The threads that serve connections, one connection per thread for as long as it is open.
/// A connection handed over goes to the thread that became idle last (its stack and cache
/// are warm), or to a new thread: both in constant time, so neither a burst of connections
/// nor starting tens of thousands of threads slows down as the thread count grows. (Poco's
/// ThreadPool looks for an idle thread by walking all of them under its lock: at 18,000
/// threads, starting them took 40 s and stalled the acceptor meanwhile.)
///
/// Threads are never reclaimed: an idle one waits on its own condition variable, costing no
/// CPU, so the threads made for a peak are there for the next one.
///
/// Who calls what: the acceptor thread calls hand_over(); prestart() runs on a thread of its
/// own; the thread stopping the host calls stop() once no connection is left (or once it
/// has given up on them: stop() then waits for them). Counts may be read from any thread.
class ConnectionThreads {
public:
    /// Serves one connection on the calling thread; must not throw.
    using Serve = std::function<void(const Poco::Net::StreamSocket&)>;
    /// prestart(): how many threads exist, and why no more could be made ("" if they all could).
    using Prestarted = std::function<void(std::size_t threads, const std::string& refused)>;

    /// `limit`: the most threads there will be; `stack_bytes`: each thread's stack.
    ConnectionThreads(std::size_t limit, std::size_t stack_bytes, Serve serve);
    /// Calls stop().
    ~ConnectionThreads();

    ConnectionThreads(const ConnectionThreads&) = delete;
    ConnectionThreads& operator=(const ConnectionThreads&) = delete;

    /// Has `socket` served by an idle thread, or by a new one. False if there is none and no
    /// new one can be made: the limit is reached or stop() was called, or the system refuses
    /// a thread (then `refused` says why).
    bool hand_over(const Poco::Net::StreamSocket& socket, std::string& refused);

    /// Makes threads in the background, on a thread of its own, until `count` exist or the
    /// system refuses one; then calls `done` there. Throws std::system_error if that thread
    /// cannot be started. Once only.
    void prestart(std::size_t count, Prestarted done);
    /// Waits until prestart() has finished; returns at once without one.
    void wait_prestarted();

    std::size_t threads() const;
    /// Threads serving a connection.
    std::size_t busy() const;
    /// Connections handed over since start.
    std::uint64_t served() const { return served_.load(std::memory_order_relaxed); }

    /// Makes no more threads; ends the idle ones at once and waits for each busy one to
    /// finish its connection. Idempotent.
    void stop();

private:
    struct Worker;

    /// Called and returns with `lock` (on mutex_) held, which it releases meanwhile: starts a
    /// thread for a new worker, which serves `first` if it is set. "" on success, else why not.
    std::string add_worker(std::unique_lock<std::mutex>& lock, const Poco::Net::StreamSocket* first);
    /// A new thread's first function (pthread_create's); runs the worker's loop.
    static void* start(void* worker);
    /// A connection thread, until stop(): waits for a connection, serves it, becomes idle.
    void run(Worker& worker);

    const std::size_t limit_;
    const std::size_t stack_bytes_;
    const Serve serve_;

    mutable std::mutex mutex_;  ///< guards everything below but the atomics and the prestarter
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<Worker*> idle_;  ///< a stack: the last to become idle is the first handed a connection
    std::size_t busy_ = 0;
    std::size_t starting_ = 0;              ///< workers registered whose thread is being made
    std::condition_variable all_started_;  ///< stop() waits on it for starting_ == 0
    bool stopping_ = false;

    std::atomic<std::uint64_t> served_{0};
    std::thread prestarter_;
    std::mutex prestarted_mutex_;
    std::condition_variable prestarted_;
    bool prestart_done_ = true;
};

/// Gives the calling thread's stack pages below its caller's frame (less a margin for the
/// calls it makes itself) back to the kernel: they read as zeros when touched again. Any
/// thread but the main one. A connection thread calls it after each connection: with one
/// thread per connection, the pages a deep request touched would otherwise stay resident
/// in every idle thread.
void release_unused_stack();

}  // namespace plugin_host
