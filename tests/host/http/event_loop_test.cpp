// EventLoop on its own, through small coroutines started on its thread: waits for a socket
// end as `ready` on the loop thread, deadlines as `timed_out` (never early, in deadline
// order, and never followed by a late event), resume() by id from another thread (once, and
// never for a wait that ended), stop() ending waits as `stopping`, the mailbox outliving the
// loop, timers run on the loop thread (run_at(): in time order, never inside the call,
// dropped unrun at stop), and two thousand sockets at once.
#include "http/event_loop.hpp"
#include "http/task.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using Clock = EventLoop::Clock;
using Woken = EventLoop::Woken;
using test_support::eventually;
using test_support::scaled;

constexpr Clock::time_point kNever = Clock::time_point::max();

/// Both ends of a connected socket pair, closed at the end of the scope. Declared before
/// the loop in each test, so that the loop stops before they are closed.
struct SocketPair {
    int fd[2] = {-1, -1};
    SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0); }
    ~SocketPair() {
        for (const int each : fd) {
            if (each >= 0) ::close(each);
        }
    }
    SocketPair(const SocketPair&) = delete;
    SocketPair& operator=(const SocketPair&) = delete;
    int waited() const { return fd[0]; }
    void send_one() const { ASSERT_EQ(::write(fd[1], "x", 1), 1); }
};

/// What one coroutine saw. Written on the loop thread before `resumptions` is incremented
/// (release); read by the test after it saw the count (acquire).
struct Outcome {
    std::atomic<int> resumptions{0};
    Woken woken = Woken::ready;
    std::thread::id thread;
    Clock::time_point at;

    void record(Woken how) {
        woken = how;
        thread = std::this_thread::get_id();
        at = Clock::now();
        resumptions.fetch_add(1, std::memory_order_release);
    }
    int count() const { return resumptions.load(std::memory_order_acquire); }
};

/// Runs `work` on the loop thread and waits for it (bounded).
bool run_on_loop(EventLoop& loop, std::function<void()> work) {
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> finished = done->get_future();
    loop.post([work = std::move(work), done] {
        work();
        done->set_value();
    });
    return finished.wait_for(scaled(5s)) == std::future_status::ready;
}

/// Returns once the loop has handled every event that was pending when it was called: two
/// round trips, as the first one's task may run before the other events of its epoll batch.
bool settle(EventLoop& loop) { return run_on_loop(loop, [] {}) && run_on_loop(loop, [] {}); }

std::thread::id loop_thread(EventLoop& loop) {
    std::thread::id id;
    EXPECT_TRUE(run_on_loop(loop, [&id] { id = std::this_thread::get_id(); }));
    return id;
}

/// Parks the calling coroutine until the loop stops (a resume() nobody sends).
EventLoop::Resumable park(EventLoop& loop) {
    return EventLoop::Resumable(loop, kNever, [](std::uint64_t) { return true; });
}

/// Waits once for `descriptor` to be readable, records how it ended in `first`, then parks:
/// a second resumption of the same coroutine (a late event for the first wait) would show
/// as a second count instead of resuming a finished coroutine.
Detached wait_readable(EventLoop& loop, int descriptor, Clock::time_point deadline, Outcome& first) {
    first.record(co_await loop.readable(descriptor, deadline));
    first.resumptions.fetch_add(co_await park(loop) == Woken::stopping ? 0 : 100, std::memory_order_release);
}

TEST(EventLoop, ReadableResumesReadyOnTheLoopThreadWhenThePeerWrites) {
    SocketPair pair;
    Outcome outcome;
    EventLoop loop("test");
    const std::thread::id loop_id = loop_thread(loop);
    ASSERT_NE(loop_id, std::this_thread::get_id());

    ASSERT_TRUE(run_on_loop(loop, [&] { wait_readable(loop, pair.waited(), kNever, outcome); }));
    ASSERT_TRUE(settle(loop));
    EXPECT_EQ(outcome.count(), 0) << "resumed before anything was written";
    EXPECT_EQ(loop.waits(), 1u);

    pair.send_one();
    ASSERT_TRUE(eventually([&] { return outcome.count() > 0; }));
    ASSERT_TRUE(settle(loop));
    EXPECT_EQ(outcome.count(), 1);
    EXPECT_EQ(outcome.woken, Woken::ready);
    EXPECT_EQ(outcome.thread, loop_id);
    loop.stop();
}

TEST(EventLoop, DeadlineResumesTimedOutNotBeforeItAndTheSocketReportsNothingAfter) {
    SocketPair pair, other;
    Outcome timed, again, unrelated;
    EventLoop loop("test");
    const auto wait_for = 100ms;
    Clock::time_point deadline;
    ASSERT_TRUE(run_on_loop(loop, [&] {
        deadline = Clock::now() + wait_for;
        wait_readable(loop, pair.waited(), deadline, timed);
    }));
    {
        // Keeps waking the loop meanwhile, so that a deadline taken for passed too early
        // would show (woken only by its own epoll timeout, the loop never looks early).
        std::atomic<bool> poke{true};
        std::thread poker([&] {
            while (poke.load()) {
                loop.post([] {});
                std::this_thread::sleep_for(200us);
            }
        });
        const bool ended = eventually([&] { return timed.count() > 0; });
        poke.store(false);
        poker.join();
        ASSERT_TRUE(ended);
    }
    EXPECT_EQ(timed.woken, Woken::timed_out);
    EXPECT_GE(timed.at, deadline) << "timed out "
                                  << std::chrono::duration_cast<std::chrono::microseconds>(deadline - timed.at).count()
                                  << " us early";

    // The peer writes after the timeout; the loop goes through a whole epoll round (another
    // socket's wait, far deadline, woken after that write): the timed-out wait hears nothing.
    pair.send_one();
    ASSERT_TRUE(run_on_loop(loop, [&] { wait_readable(loop, other.waited(), Clock::now() + 1h, unrelated); }));
    other.send_one();
    ASSERT_TRUE(eventually([&] { return unrelated.count() > 0; }));
    ASSERT_TRUE(settle(loop));
    EXPECT_EQ(timed.count(), 1) << "the timed-out wait was resumed again";
    EXPECT_EQ(unrelated.count(), 1);
    EXPECT_EQ(unrelated.woken, Woken::ready);

    // The socket can be waited on again (it was disarmed, not lost): the byte is there.
    ASSERT_TRUE(run_on_loop(loop, [&] { wait_readable(loop, pair.waited(), Clock::now() + 1h, again); }));
    ASSERT_TRUE(eventually([&] { return again.count() > 0; }));
    ASSERT_TRUE(settle(loop));
    EXPECT_EQ(again.woken, Woken::ready);
    EXPECT_EQ(again.count(), 1);
    EXPECT_EQ(timed.count(), 1);
    loop.stop();
}

/// Waits for resume() or its deadline; appends `index` to `order` when it ends (loop thread).
Detached wait_until(EventLoop& loop, Clock::time_point deadline, int index, std::vector<int>& order,
                    std::atomic<int>& ended) {
    const Woken woken = co_await EventLoop::Resumable(loop, deadline, [](std::uint64_t) { return true; });
    order.push_back(woken == Woken::timed_out ? index : -index - 1);
    ended.fetch_add(1, std::memory_order_release);
}

TEST(EventLoop, DeadlinesFireInDeadlineOrderWhateverTheOrderOfRegistration) {
    std::vector<int> order;
    std::atomic<int> ended{0};
    EventLoop loop("test");
    // Deadline rank by registration: the third registered has the earliest deadline, etc.
    const std::vector<int> rank = {4, 1, 0, 6, 3, 7, 2, 5};
    ASSERT_TRUE(run_on_loop(loop, [&] {
        const Clock::time_point base = Clock::now() + 20ms;
        for (std::size_t i = 0; i < rank.size(); ++i) {
            wait_until(loop, base + rank[i] * 3ms, rank[i], order, ended);
        }
        // Every deadline passes before the loop looks again: they all fire in one round, in
        // the order the heap gives them (a setup, not the proof of anything).
        while (Clock::now() < base + 30ms) {
        }
    }));
    // And a second batch, each fired on its own round.
    ASSERT_TRUE(eventually([&] { return ended.load(std::memory_order_acquire) == 8; }));
    ASSERT_TRUE(run_on_loop(loop, [&] {
        const Clock::time_point base = Clock::now() + 20ms;
        for (std::size_t i = 0; i < rank.size(); ++i) {
            wait_until(loop, base + rank[i] * 10ms, 8 + rank[i], order, ended);
        }
    }));
    ASSERT_TRUE(eventually([&] { return ended.load(std::memory_order_acquire) == 16; }));
    ASSERT_TRUE(settle(loop));
    std::vector<int> expected(16);
    for (int i = 0; i < 16; ++i) expected[static_cast<std::size_t>(i)] = i;
    EXPECT_EQ(order, expected);
    loop.stop();
}

/// A coroutine that waits for resume() twice: `first` then `second`, handing each id out.
struct Resumed {
    std::promise<std::uint64_t> first_id, second_id;
    Outcome first, second;
};

Detached wait_resumed_twice(EventLoop& loop, Clock::time_point first_deadline, Resumed& out) {
    out.first.record(co_await EventLoop::Resumable(loop, first_deadline, [&out](std::uint64_t id) {
        out.first_id.set_value(id);
        return true;
    }));
    out.second.record(co_await EventLoop::Resumable(loop, kNever, [&out](std::uint64_t id) {
        out.second_id.set_value(id);
        return true;
    }));
}

/// Posts resume(id) from a thread of its own, as a worker does.
void resume_from_another_thread(EventLoop& loop, std::uint64_t id) {
    std::thread([mailbox = loop.mailbox(), loop = &loop, id] { mailbox->post([loop, id] { loop->resume(id); }); })
        .join();
}

TEST(EventLoop, ResumeFromAnotherThreadResumesOnceAndAStaleIdDoesNothing) {
    Resumed resumed;
    EventLoop loop("test");
    const std::thread::id loop_id = loop_thread(loop);
    std::future<std::uint64_t> first_id = resumed.first_id.get_future();
    std::future<std::uint64_t> second_id = resumed.second_id.get_future();
    ASSERT_TRUE(run_on_loop(loop, [&] { wait_resumed_twice(loop, kNever, resumed); }));
    ASSERT_EQ(first_id.wait_for(scaled(5s)), std::future_status::ready);
    const std::uint64_t id = first_id.get();
    ASSERT_TRUE(settle(loop));
    EXPECT_EQ(resumed.first.count(), 0);

    resume_from_another_thread(loop, id);
    ASSERT_TRUE(eventually([&] { return resumed.first.count() > 0; }));
    EXPECT_EQ(resumed.first.woken, Woken::ready);
    EXPECT_EQ(resumed.first.thread, loop_id);
    ASSERT_EQ(second_id.wait_for(scaled(5s)), std::future_status::ready);
    const std::uint64_t next = second_id.get();
    EXPECT_NE(next, id);

    // The same id again: the coroutine now waits in its second wait, which must stay on.
    resume_from_another_thread(loop, id);
    ASSERT_TRUE(settle(loop));
    EXPECT_EQ(resumed.first.count(), 1);
    EXPECT_EQ(resumed.second.count(), 0) << "a stale id resumed the next wait";
    EXPECT_EQ(loop.waits(), 1u);

    resume_from_another_thread(loop, next);
    ASSERT_TRUE(eventually([&] { return resumed.second.count() > 0; }));
    EXPECT_EQ(resumed.second.woken, Woken::ready);
    loop.stop();
}

TEST(EventLoop, ResumeForAWaitThatTimedOutDoesNothing) {
    Resumed resumed;
    EventLoop loop("test");
    std::future<std::uint64_t> first_id = resumed.first_id.get_future();
    std::future<std::uint64_t> second_id = resumed.second_id.get_future();
    ASSERT_TRUE(run_on_loop(loop, [&] { wait_resumed_twice(loop, Clock::now() + 20ms, resumed); }));
    ASSERT_EQ(first_id.wait_for(scaled(5s)), std::future_status::ready);
    const std::uint64_t id = first_id.get();
    ASSERT_TRUE(eventually([&] { return resumed.first.count() > 0; }));
    EXPECT_EQ(resumed.first.woken, Woken::timed_out);
    ASSERT_EQ(second_id.wait_for(scaled(5s)), std::future_status::ready);
    const std::uint64_t next = second_id.get();

    resume_from_another_thread(loop, id);
    ASSERT_TRUE(settle(loop));
    EXPECT_EQ(resumed.first.count(), 1);
    EXPECT_EQ(resumed.second.count(), 0) << "the timed-out wait's id resumed the next wait";
    EXPECT_EQ(loop.waits(), 1u);

    resume_from_another_thread(loop, next);
    ASSERT_TRUE(eventually([&] { return resumed.second.count() > 0; }));
    EXPECT_EQ(resumed.second.woken, Woken::ready);
    loop.stop();
}

Detached wait_declined(EventLoop& loop, Clock::time_point deadline, Outcome& out, Outcome& later) {
    out.record(co_await EventLoop::Resumable(loop, deadline, [](std::uint64_t) { return false; }));
    later.record(co_await park(loop));
}

TEST(EventLoop, ResumableWhoseOnSuspendDeclinesGoesOnAtOnce) {
    Outcome declined, parked;
    EventLoop loop("test");
    int count_right_after_the_call = -1;
    std::size_t waits_right_after_the_call = 99;
    ASSERT_TRUE(run_on_loop(loop, [&] {
        wait_declined(loop, Clock::now() + 10ms, declined, parked);
        count_right_after_the_call = declined.count();
        waits_right_after_the_call = loop.waits();
    }));
    EXPECT_EQ(count_right_after_the_call, 1) << "it suspended";
    EXPECT_EQ(declined.woken, Woken::ready);
    EXPECT_EQ(waits_right_after_the_call, 1u) << "only the park is on";
    // The declined wait's deadline passes: nothing of it is left to fire.
    const Clock::time_point after = Clock::now() + 30ms;
    ASSERT_TRUE(eventually([&] { return Clock::now() > after; }));
    ASSERT_TRUE(settle(loop));
    EXPECT_EQ(declined.count(), 1);
    EXPECT_EQ(parked.count(), 0);
    loop.stop();
    EXPECT_EQ(parked.woken, Woken::stopping);
}

struct Stopped {
    Outcome first, second;
    bool second_ready_at_once = false;
};

Detached wait_through_stop(EventLoop& loop, int descriptor, Stopped& out) {
    out.first.record(co_await loop.readable(descriptor, kNever));
    EventLoop::Wait next = loop.readable(descriptor, Clock::now() + 1h);
    out.second_ready_at_once = next.await_ready();
    out.second.record(co_await next);
}

TEST(EventLoop, StopEndsAWaitAsStoppingAndLaterWaitsDoNotSuspend) {
    SocketPair pair;
    Stopped stopped;
    auto ran = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<EventLoop::Mailbox> mailbox;
    {
        EventLoop loop("test");
        mailbox = loop.mailbox();
        const std::thread::id loop_id = loop_thread(loop);
        ASSERT_TRUE(run_on_loop(loop, [&] { wait_through_stop(loop, pair.waited(), stopped); }));
        ASSERT_TRUE(settle(loop));
        EXPECT_EQ(stopped.first.count(), 0);

        // stop() joins the thread: bounded here, since a wait that suspended while stopping
        // would keep it from ever returning.
        auto stopping = std::async(std::launch::async, [&loop] { loop.stop(); });
        ASSERT_EQ(stopping.wait_for(scaled(5s)), std::future_status::ready) << "stop() hangs";
        EXPECT_EQ(stopped.first.count(), 1);
        EXPECT_EQ(stopped.first.woken, Woken::stopping);
        EXPECT_EQ(stopped.first.thread, loop_id);
        EXPECT_TRUE(stopped.second_ready_at_once) << "a wait while stopping suspends";
        EXPECT_EQ(stopped.second.count(), 1);
        EXPECT_EQ(stopped.second.woken, Woken::stopping);
        EXPECT_EQ(loop.waits(), 0u);

        loop.stop();  // idempotent: returns at once
        loop.stop();

        // Posted after stop(): dropped (destroyed at once), never run.
        auto witness = std::make_shared<int>(0);
        mailbox->post([ran, witness] { ran->store(true); });
        loop.post([ran, witness] { ran->store(true); });
        EXPECT_EQ(witness.use_count(), 1) << "work posted after stop() is kept";
    }
    // And after the loop is gone, through the mailbox that outlives it.
    auto witness = std::make_shared<int>(0);
    mailbox->post([ran, witness] { ran->store(true); });
    EXPECT_EQ(witness.use_count(), 1);
    EXPECT_FALSE(ran->load());
}

TEST(EventLoop, WorkPostedBeforeStopRuns) {
    std::atomic<int> ran{0};
    EventLoop loop("test");
    for (int i = 0; i < 100; ++i) loop.post([&ran] { ran.fetch_add(1); });
    loop.stop();
    EXPECT_EQ(ran.load(), 100);
}

/// Threads keep posting while loops are made and destroyed: a post that finds the mailbox
/// open must not touch its eventfd after the loop closed it (its number may be another
/// file's by then). ThreadSanitizer sees the close and the write race if it does.
TEST(EventLoop, PostsRacingStopAndDestructionAreRunOrDropped) {
    for (int round = 0; round < 50; ++round) {
        std::atomic<bool> go{true};
        std::atomic<long> ran{0};
        std::shared_ptr<EventLoop::Mailbox> mailbox;
        std::vector<std::thread> posters;
        {
            EventLoop loop("test");
            mailbox = loop.mailbox();
            for (int i = 0; i < 2; ++i) {
                posters.emplace_back([&go, &ran, mailbox] {
                    while (go.load(std::memory_order_relaxed)) mailbox->post([&ran] { ran.fetch_add(1); });
                });
            }
            ASSERT_TRUE(eventually([&] { return ran.load() > 10; }));
        }
        go.store(false);
        for (std::thread& poster : posters) poster.join();
    }
}

TEST(EventLoop, CurrentIsTheLoopOnItsThreadAndNullElsewhere) {
    EventLoop loop("test");
    EXPECT_EQ(EventLoop::current(), nullptr);
    std::promise<EventLoop*> seen;
    loop.post([&seen] { seen.set_value(EventLoop::current()); });
    EXPECT_EQ(seen.get_future().get(), &loop);
}

TEST(EventLoop, TimersRunOnTheLoopThreadInTimeOrderNeverInsideRunAtNorBeforeTheirSlack) {
    EventLoop loop("test");
    std::mutex mutex;
    std::vector<int> order;
    std::atomic<bool> off_thread{false};
    std::promise<void> all_ran;
    const Clock::time_point start = Clock::now();
    loop.post([&] {
        const std::thread::id loop_thread = std::this_thread::get_id();
        auto record = [&, loop_thread](int which) {
            return [&, loop_thread, which] {
                if (std::this_thread::get_id() != loop_thread) off_thread = true;
                std::lock_guard lock(mutex);
                order.push_back(which);
                if (order.size() == 4) all_ran.set_value();
            };
        };
        // Given out of order: 3 after 40 ms, 2 after 20 ms, then 0 and 1 due now, in that order.
        loop.run_at(start + 40ms, record(3));
        loop.run_at(start + 20ms, record(2));
        loop.run_at(start, record(0));
        loop.run_at(start, record(1));
        std::lock_guard lock(mutex);
        EXPECT_TRUE(order.empty());  // not inside run_at(), though 0 and 1 are due
    });
    ASSERT_EQ(all_ran.get_future().wait_for(scaled(10s)), std::future_status::ready);
    EXPECT_GE(Clock::now() - start, 40ms - EventLoop::kTimerSlack);  // never earlier than its slack
    EXPECT_FALSE(off_thread.load());
    std::lock_guard lock(mutex);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(EventLoop, ATimerNotDueAtStopIsDestroyedOnTheLoopThreadWithoutRunning) {
    std::atomic<bool> ran{false};
    std::promise<std::thread::id> destroyed_on;
    std::promise<std::thread::id> loop_thread;
    {
        EventLoop loop("test");
        struct OnDestruction {
            std::promise<std::thread::id>* destroyed_on = nullptr;
            ~OnDestruction() {
                if (destroyed_on) destroyed_on->set_value(std::this_thread::get_id());
            }
        };
        auto witness = std::make_shared<OnDestruction>();
        witness->destroyed_on = &destroyed_on;
        loop.post([&, witness]() mutable {
            loop_thread.set_value(std::this_thread::get_id());
            loop.run_at(Clock::now() + 1h, [&ran, witness] { ran = true; });
            witness.reset();  // the timer's copy is the last
        });
    }
    const std::thread::id loop_id = loop_thread.get_future().get();
    auto destroyed = destroyed_on.get_future();
    ASSERT_EQ(destroyed.wait_for(0s), std::future_status::ready);  // by the time the loop is gone
    EXPECT_EQ(destroyed.get(), loop_id);
    EXPECT_FALSE(ran.load());
}

TEST(EventLoop, ATimerThatThrowsIsIgnoredAndTheNextRuns) {
    EventLoop loop("test");
    std::promise<void> next_ran;
    loop.post([&] {
        loop.run_at(Clock::now(), [] { throw std::runtime_error("a timer's failure"); });
        loop.run_at(Clock::now(), [&next_ran] { next_ran.set_value(); });
    });
    EXPECT_EQ(next_ran.get_future().wait_for(scaled(10s)), std::future_status::ready);
}

Detached wait_one_of_many(EventLoop& loop, int descriptor, std::atomic<int>& resumptions, std::atomic<int>& total) {
    const Woken woken = co_await loop.readable(descriptor, Clock::now() + 1h);
    if (woken != Woken::ready) co_return;
    char byte = 0;
    [[maybe_unused]] const ssize_t read = ::read(descriptor, &byte, 1);
    resumptions.fetch_add(1, std::memory_order_relaxed);
    total.fetch_add(1, std::memory_order_release);
    // Waits again on the drained socket: a second event for the first wait, or one for this
    // one, would count twice.
    if (co_await loop.readable(descriptor, kNever) != Woken::stopping) resumptions.fetch_add(1);
}

TEST(EventLoop, TwoThousandSocketsEachResumedExactlyOnce) {
    std::size_t pairs = 2000;
    rlimit limit{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
    const rlim_t needed = pairs * 2 + 200;
    if (limit.rlim_cur < needed) {
        limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, needed);
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
        if (limit.rlim_cur < needed) pairs = (limit.rlim_cur - 200) / 2;
        if (pairs < 500) GTEST_SKIP() << "too few descriptors allowed (ulimit -n " << limit.rlim_cur << ")";
    }
    std::vector<std::unique_ptr<SocketPair>> sockets;
    for (std::size_t i = 0; i < pairs; ++i) sockets.push_back(std::make_unique<SocketPair>());
    std::vector<std::atomic<int>> resumptions(pairs);
    std::atomic<int> total{0};
    EventLoop loop("test");
    ASSERT_TRUE(run_on_loop(loop, [&] {
        for (std::size_t i = 0; i < pairs; ++i) wait_one_of_many(loop, sockets[i]->waited(), resumptions[i], total);
    }));
    EXPECT_EQ(loop.waits(), pairs);
    // In reverse order, so that the kernel's order is not the registration order.
    for (std::size_t i = pairs; i-- > 0;) sockets[i]->send_one();
    ASSERT_TRUE(eventually([&] { return total.load() == static_cast<int>(pairs); }, 10s)) << total.load();
    ASSERT_TRUE(settle(loop));
    for (std::size_t i = 0; i < pairs; ++i) {
        ASSERT_EQ(resumptions[i].load(), 1) << "socket " << i;
    }
    EXPECT_EQ(loop.waits(), pairs);  // each waits again
    loop.stop();
    EXPECT_EQ(loop.waits(), 0u);
}

}  // namespace
}  // namespace plugin_host
