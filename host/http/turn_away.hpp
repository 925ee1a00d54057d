#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace plugin_host {

/// Answers the clients the server has no room for: once a client's request begins to
/// arrive (or a second has passed without one), 503 with Retry-After, then the sending side
/// is closed and what the client still sends is read and discarded for at most a second, so
/// that closing does not reset the connection before the client has read the answer.
///
/// Owns one thread, which waits on every such connection at once with poll(2), woken by an
/// eventfd when one is handed over: an answer goes out as soon as the request arrives. Every
/// write is non-blocking, so a client that never reads cannot hold the thread. At most
/// kMaxWaiting connections are held; beyond, a connection is answered and closed at once.
class TurnAway {
public:
    static constexpr std::size_t kMaxWaiting = 4096;

    /// Starts the thread; throws std::system_error if it cannot.
    TurnAway();
    /// Calls stop().
    ~TurnAway();

    TurnAway(const TurnAway&) = delete;
    TurnAway& operator=(const TurnAway&) = delete;

    /// Takes over `descriptor`, a connection's own descriptor (the caller's copy; this
    /// object closes it). Any thread (Poco's acceptor).
    void take(int descriptor);

    /// Clients answered 503, since start.
    std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

    /// Stops the thread and closes the connections it holds, unanswered. Idempotent.
    void stop();

private:
    using Clock = std::chrono::steady_clock;

    struct Waiting {
        int descriptor;
        bool answered;                ///< the 503 is sent
        Clock::time_point deadline;   ///< to answer by; once answered, to close by
    };

    void run();
    /// Whether `connection` is done with (then it is closed), after poll said it is ready
    /// or its deadline passed.
    static bool serve(Waiting& connection, bool ready, Clock::time_point now);
    static void answer(int descriptor);

    int wake_fd_ = -1;
    std::atomic<std::uint64_t> count_{0};
    std::mutex mutex_;              ///< guards arriving_ and stopping_
    std::vector<int> arriving_;     ///< taken, not yet seen by the thread
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace plugin_host
