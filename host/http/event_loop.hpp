#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace plugin_host {

/// One thread that waits for many connections at once and resumes the coroutine that waits
/// for each (Task, serve_connection()): one epoll(7) instance for the sockets, one min-heap of
/// deadlines, and a mailbox other threads post work to (an eventfd wakes the thread).
///
/// Who calls what:
/// - Any thread: post(), a Mailbox's post() (workers hand a finished request back this way,
///   and a plugin completing a deferred answer), stop(), current().
/// - The loop thread only: everything a connection's coroutine awaits (readable(),
///   writable(), woken()), resume() from a posted task, and run_at() (the repository's
///   call_later_here(), contract 2.3).
///
/// Each wait has an id, and the kernel and the deadline heap hold that id, never a pointer:
/// a wait that ended (by its event, its deadline or resume()) is forgotten, and a late event
/// or deadline for it finds nothing. A socket is armed for one event at a time
/// (EPOLLONESHOT), so its coroutine is resumed once per wait, and a socket no wait watches
/// reports nothing.
///
/// Why not Poco::Net::PollSet or SocketReactor (1.11): PollSet keeps no data of the caller's
/// per socket, so each ready socket costs a lookup of its connection in a map keyed by
/// Socket, and poll() returns a new std::map each time; it cannot be woken from another
/// thread, which the mailbox needs; SocketReactor is one thread dispatching through
/// notification objects on top of PollSet. bench/micro/poll_benchmark.cpp measures the
/// difference at 10,000 sockets.
class EventLoop {
public:
    using Clock = std::chrono::steady_clock;

    /// How a wait ended.
    enum class Woken {
        ready,      ///< the socket is ready (or hung up, or failed: the next call says), or resume()
        timed_out,  ///< the deadline came first
        stopping,   ///< the loop is stopping: the connection must end
    };

    /// Where other threads post work for the loop thread; outlives the loop for whoever holds
    /// it (work posted after stop() is dropped).
    class Mailbox {
    public:
        /// Runs `work` on the loop thread soon. Any thread.
        void post(std::function<void()> work);

    private:
        friend class EventLoop;
        explicit Mailbox(int wake_fd) : wake_fd_(wake_fd) {}
        std::mutex mutex_;
        std::vector<std::function<void()>> work_;
        bool closed_ = false;
        int wake_fd_;
    };

    /// Starts the thread; throws std::system_error or Poco::Exception if it cannot.
    explicit EventLoop(std::string name);
    /// Calls stop().
    ~EventLoop();

    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    void post(std::function<void()> work) { mailbox_->post(std::move(work)); }
    const std::shared_ptr<Mailbox>& mailbox() const { return mailbox_; }

    /// Ends the waits in progress as `stopping` (and any later one at once), runs what was
    /// posted, and joins the thread once no wait is left. The caller must have ended or
    /// aborted the connections first. Idempotent.
    void stop();

    /// Loop thread: whether the loop is stopping (a wait would end at once).
    bool stopping() const { return stopping_; }

    /// An awaitable wait on the loop thread: for `descriptor` to have `events` (EPOLLIN,
    /// EPOLLOUT), or for resume() with its id when `descriptor` is -1; until `deadline`.
    class Wait {
    public:
        Wait(EventLoop& loop, int descriptor, std::uint32_t events, Clock::time_point deadline)
            : loop_(loop), descriptor_(descriptor), events_(events), deadline_(deadline) {}
        bool await_ready() const noexcept { return loop_.stopping_; }
        /// False (the coroutine goes on at once) if the socket cannot be watched: the next
        /// read or write on it says why.
        bool await_suspend(std::coroutine_handle<> waiter);
        Woken await_resume() const noexcept { return loop_.stopping_ ? Woken::stopping : woken_; }
        /// The id resume() takes; valid once suspended.
        std::uint64_t id() const { return id_; }

    private:
        friend class EventLoop;
        EventLoop& loop_;
        int descriptor_;
        std::uint32_t events_;
        Clock::time_point deadline_;
        std::uint64_t id_ = 0;
        std::coroutine_handle<> waiter_;
        Woken woken_ = Woken::ready;
    };

    Wait readable(int descriptor, Clock::time_point deadline);
    Wait writable(int descriptor, Clock::time_point deadline);

    /// A wait for resume(id) (from a posted task) or the deadline. `on_suspend` runs once the
    /// coroutine is suspended, with the wait's id: it hands that id to whoever will resume it.
    class Resumable {
    public:
        Resumable(EventLoop& loop, Clock::time_point deadline, std::function<bool(std::uint64_t id)> on_suspend)
            : wait_(loop, -1, 0, deadline), on_suspend_(std::move(on_suspend)) {}
        bool await_ready() const noexcept { return wait_.await_ready(); }
        /// Suspends only if `on_suspend` returns true; else the coroutine goes on at once, woken `ready`.
        bool await_suspend(std::coroutine_handle<> waiter);
        Woken await_resume() const noexcept { return declined_ ? Woken::ready : wait_.await_resume(); }

    private:
        Wait wait_;
        std::function<bool(std::uint64_t)> on_suspend_;
        bool declined_ = false;
    };

    /// Loop thread: ends the wait `id` as `ready`; nothing if it has ended already.
    void resume(std::uint64_t id);

    /// The loop whose thread calls this; null on any other thread.
    static EventLoop* current();

    /// How early a timer may run: its loop wakes once for those due close together.
    static constexpr std::chrono::milliseconds kTimerSlack{1};

    /// Loop thread: runs `callback` on this thread at `when`, or up to kTimerSlack before it
    /// (once the events at hand are handled, if that has passed), never inside this call;
    /// those due at the same time in the order given. One that throws is ignored (wrap it to log). One not yet run when
    /// the loop stops is destroyed on its thread without running.
    void run_at(Clock::time_point when, std::function<void()> callback);

    /// Waits in progress; any thread (approximate).
    std::size_t waits() const { return wait_count_.load(std::memory_order_relaxed); }

private:
    struct Deadline {
        Clock::time_point at;
        std::uint64_t id;
        bool operator>(const Deadline& other) const { return at > other.at; }
    };

    struct Timer {
        Clock::time_point at;
        std::uint64_t order;
        std::function<void()> callback;
        bool operator>(const Timer& other) const {
            return at != other.at ? at > other.at : order > other.order;
        }
    };

    void run();
    /// Runs the timers due by now; those they add run at the next turn at the earliest.
    void run_timers();
    /// Registers `wait` (its id, its deadline, its socket); false if the socket cannot be watched.
    bool arm(Wait& wait);
    /// Ends the wait `id` as `woken`, if it is still on; the deadline's end disarms its socket.
    void end_wait(std::uint64_t id, Woken woken);
    void run_posted();
    int next_timeout_ms();
    void expire_deadlines();

    const std::string name_;
    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    std::shared_ptr<Mailbox> mailbox_;
    std::atomic<bool> stop_requested_{false};

    // The loop thread's own.
    bool stopping_ = false;
    std::uint64_t next_id_ = 1;
    std::unordered_map<std::uint64_t, Wait*> waits_;
    std::vector<Deadline> deadlines_;  ///< a min-heap (std::push_heap with greater)
    std::vector<Timer> timers_;        ///< a min-heap too
    std::uint64_t timers_added_ = 0;
    std::atomic<std::size_t> wait_count_{0};

    std::thread thread_;
};

}  // namespace plugin_host
