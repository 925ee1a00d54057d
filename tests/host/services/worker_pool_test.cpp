// WorkerPool: tasks run on the thread idle last or a new one up to the limit, nothing queued
// beyond it; idle threads beyond the floor retire; stop() waits for busy tasks.
#include "services/worker_pool.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kStack = 256 * 1024;

/// Holds the tasks made by task() until opened; records the threads they ran on.
class Gate {
public:
    explicit Gate(bool open = true) : open_(open) {}

    /// A task that records its thread, then waits for the gate to be open.
    WorkerPool::Task task() {
        return [this] {
            std::unique_lock lock(mutex_);
            threads_.push_back(std::this_thread::get_id());
            changed_.notify_all();
            changed_.wait(lock, [this] { return open_; });
        };
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }
    /// Waits until `count` tasks have started; false if they do not within a (scaled) bound.
    bool wait_started(std::size_t count) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, test_support::scaled(10s), [&] { return threads_.size() >= count; });
    }
    std::vector<std::thread::id> threads() {
        std::lock_guard lock(mutex_);
        return threads_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::thread::id> threads_;
    bool open_;
};

bool becomes_idle(const WorkerPool& pool, std::size_t busy = 0) {
    return test_support::eventually([&] { return pool.busy() == busy; });
}

TEST(WorkerPool, RunsEachTaskAndCountsThem) {
    WorkerPool pool({.limit = 4, .stack_bytes = kStack});
    std::atomic<int> ran{0};
    std::string refused;
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(pool.run([&] { ran.fetch_add(1); }, refused)) << refused;
        ASSERT_TRUE(becomes_idle(pool));
    }
    EXPECT_EQ(ran.load(), 10);
    EXPECT_EQ(pool.run_count(), 10u);
    EXPECT_EQ(pool.threads(), 1u) << "one task after another needs one thread";
}

TEST(WorkerPool, RefusesTheTaskBeyondTheLimitWithoutRunningOrKeepingIt) {
    Gate gate(false);
    WorkerPool pool({.limit = 3, .stack_bytes = kStack});
    std::string refused;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.run(gate.task(), refused)) << refused;
    ASSERT_TRUE(gate.wait_started(3));
    EXPECT_EQ(pool.busy(), 3u);
    EXPECT_EQ(pool.threads(), 3u);
    const auto started = gate.threads();
    EXPECT_EQ(std::set(started.begin(), started.end()).size(), 3u) << "a thread each";

    bool ran = false;
    auto kept = std::make_shared<int>(0);
    EXPECT_FALSE(pool.run([&ran, kept] { ran = true; }, refused));
    EXPECT_EQ(refused, "") << "the limit is no refusal of the system's";
    EXPECT_EQ(kept.use_count(), 1) << "a refused task is not kept";
    EXPECT_EQ(pool.run_count(), 3u);

    gate.open();
    ASSERT_TRUE(becomes_idle(pool));
    EXPECT_FALSE(ran);
    EXPECT_EQ(pool.threads(), 3u);
    ASSERT_TRUE(pool.run([] {}, refused)) << "a thread is free again";
}

TEST(WorkerPool, HandsATaskToTheThreadThatBecameIdleLast) {
    Gate first(false);
    Gate second(false);
    WorkerPool pool({.limit = 8, .stack_bytes = kStack});
    std::string refused;
    ASSERT_TRUE(pool.run(first.task(), refused));
    ASSERT_TRUE(pool.run(second.task(), refused));
    ASSERT_TRUE(first.wait_started(1));
    ASSERT_TRUE(second.wait_started(1));
    first.open();
    ASSERT_TRUE(becomes_idle(pool, 1));
    second.open();  // idle after the first one's thread
    ASSERT_TRUE(becomes_idle(pool));

    Gate next;
    for (std::size_t i = 1; i <= 3; ++i) {
        ASSERT_TRUE(pool.run(next.task(), refused));
        ASSERT_TRUE(next.wait_started(i));
        ASSERT_TRUE(becomes_idle(pool));
    }
    for (const auto id : next.threads()) EXPECT_EQ(id, second.threads().at(0));
    EXPECT_EQ(pool.threads(), 2u);
}

TEST(WorkerPool, StopWaitsForTheBusyTasksAndRefusesNewOnes) {
    Gate gate(false);
    WorkerPool pool({.limit = 8, .stack_bytes = kStack});
    std::string refused;
    ASSERT_TRUE(pool.run([] {}, refused));
    ASSERT_TRUE(becomes_idle(pool));  // one idle thread, ended at once by stop()
    ASSERT_TRUE(pool.run(gate.task(), refused));
    ASSERT_TRUE(pool.run(gate.task(), refused));
    ASSERT_TRUE(gate.wait_started(2));

    auto stopped = std::async(std::launch::async, [&] { pool.stop(); });
    EXPECT_EQ(stopped.wait_for(100ms), std::future_status::timeout) << "stop() returned while tasks were running";
    EXPECT_TRUE(test_support::eventually([&] { return !pool.run([] {}, refused); })) << "no new task once stopping";
    EXPECT_EQ(refused, "");
    gate.open();
    stopped.get();
    EXPECT_EQ(pool.busy(), 0u);
    EXPECT_EQ(pool.threads(), 0u);
    EXPECT_EQ(pool.run_count(), 3u);
    pool.stop();  // idempotent
}

TEST(WorkerPool, IdleThreadsBeyondTheFloorRetireAfterTheIdlePeriod) {
    Gate gate(false);
    WorkerPool pool({.limit = 8, .stack_bytes = kStack, .retire_after = 50ms, .keep = 2});
    std::string refused;
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(pool.run(gate.task(), refused)) << refused;
    ASSERT_TRUE(gate.wait_started(6));
    EXPECT_EQ(pool.threads(), 6u) << "busy threads do not retire";
    gate.open();

    EXPECT_TRUE(test_support::eventually([&] { return pool.threads() == 2u; })) << pool.threads() << " threads";
    EXPECT_EQ(pool.busy(), 0u);
    // The floor stays (no bounded wait can show "never"; a few idle periods must do).
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(pool.threads(), 2u);

    std::atomic<int> ran{0};
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(pool.run([&] { ran.fetch_add(1); }, refused));
    EXPECT_TRUE(test_support::eventually([&] { return ran.load() == 2; }));
    EXPECT_EQ(pool.run_count(), 8u);
}

TEST(WorkerPool, WithNoFloorEveryIdleThreadRetiresAndNewOnesAreMade) {
    WorkerPool pool({.limit = 4, .stack_bytes = kStack, .retire_after = 20ms, .keep = 0});
    std::string refused;
    for (int round = 0; round < 3; ++round) {
        ASSERT_TRUE(pool.run([] {}, refused)) << refused;
        EXPECT_TRUE(test_support::eventually([&] { return pool.threads() == 0u; })) << "round " << round;
    }
    EXPECT_EQ(pool.run_count(), 3u);
}

// Loop threads handing tasks over concurrently while idle threads retire: every accepted
// task runs exactly once, the counts agree, and stop() leaves no thread behind (under
// ThreadSanitizer, no race either).
TEST(WorkerPool, ConcurrentCallersAndRetiringThreadsLoseNoTask) {
    std::atomic<std::uint64_t> ran{0};
    std::atomic<std::uint64_t> accepted{0};
    {
        WorkerPool pool({.limit = 6, .stack_bytes = kStack, .retire_after = 1ms, .keep = 1});
        std::vector<std::thread> loops;
        for (int loop = 0; loop < 3; ++loop) {
            loops.emplace_back([&] {
                std::string refused;
                for (int i = 0; i < 2000; ++i) {
                    if (pool.run([&] { ran.fetch_add(1); }, refused)) accepted.fetch_add(1);
                    ASSERT_EQ(refused, "");
                    if (i % 64 == 0) std::this_thread::sleep_for(2ms);  // let threads go idle and retire
                }
            });
        }
        for (auto& loop : loops) loop.join();
        EXPECT_EQ(pool.run_count(), accepted.load());
        EXPECT_LE(pool.threads(), 6u);
    }  // the destructor stops the pool: every accepted task has run
    EXPECT_GT(accepted.load(), 0u);
    EXPECT_EQ(ran.load(), accepted.load());
}

}  // namespace
}  // namespace plugin_host
