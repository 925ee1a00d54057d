#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace plugin_host {

/// One thread that runs callbacks at their time (or up to kSlack before it, so that those
/// due close together run on one wake-up): a min-heap of (time, order of scheduling) and a
/// condition variable. Callbacks due at the same time run in the order they were
/// scheduled. Anyone may schedule(), from any thread, a callback included; the owner calls
/// stop() (or destroys it), never from a callback. A callback runs on the timer's thread,
/// outside the lock, and must not block: every one behind it waits. One that throws is
/// ignored (wrap it to log).
class TimerThread {
public:
    /// How early a callback may run, with others due before it.
    static constexpr std::chrono::milliseconds kSlack{1};

    using Clock = std::chrono::steady_clock;

    /// Starts the thread.
    TimerThread();
    /// stop().
    ~TimerThread();
    TimerThread(const TimerThread&) = delete;
    TimerThread& operator=(const TimerThread&) = delete;

    /// Runs `callback` on the timer's thread at `when` (as soon as it can, if that has passed).
    /// False once stopped: then `callback` is destroyed on the caller's thread, never run.
    bool schedule_at(Clock::time_point when, std::function<void()> callback);

    /// schedule_at(now + delay).
    bool schedule_after(Clock::duration delay, std::function<void()> callback) {
        return schedule_at(Clock::now() + delay, std::move(callback));
    }

    /// Lets the callback running now finish, joins the thread and destroys every callback
    /// not yet run, on the caller's thread, without running it. Later calls do nothing.
    void stop();

private:
    struct Entry {
        Clock::time_point when;
        std::uint64_t order;
        std::function<void()> callback;
    };
    struct Later {  // the heap's order: the earliest first, then the first scheduled
        bool operator()(const Entry& a, const Entry& b) const {
            return a.when != b.when ? a.when > b.when : a.order > b.order;
        }
    };

    void run();

    std::mutex mutex_;
    std::condition_variable changed_;
    std::priority_queue<Entry, std::vector<Entry>, Later> due_;
    std::uint64_t scheduled_ = 0;
    bool stopping_ = false;
    std::thread thread_;  // last: started once the rest is built
};

}  // namespace plugin_host
