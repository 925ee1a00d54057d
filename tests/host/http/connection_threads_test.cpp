// ConnectionThreads: a connection per thread, idle threads reused, threads made in the
// background, stopping; and release_unused_stack(), which each thread calls after a connection.
#include "http/connection_threads.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <set>
#include <cstring>
#include <thread>
#include <vector>

namespace plugin_host {
namespace {

constexpr std::size_t kDeep = 64 * 1024;

/// Writes kDeep bytes below its caller's frame, and returns their address.
[[gnu::noinline]] std::uintptr_t touch_deep_stack() {
    volatile char block[kDeep];
    for (std::size_t i = 0; i < kDeep; i += 512) block[i] = 1;
    return reinterpret_cast<std::uintptr_t>(&block[0]);
}

/// How many of the pages in [from, from + length) are resident.
std::size_t resident_pages(std::uintptr_t from, std::size_t length) {
    const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    const std::uintptr_t start = (from + page - 1) & ~(page - 1);
    const std::size_t pages = (from + length - start) / page;
    std::vector<unsigned char> residency(pages);
    if (::mincore(reinterpret_cast<void*>(start), pages * page, residency.data()) != 0) return 0;
    std::size_t resident = 0;
    for (const unsigned char flags : residency) resident += flags & 1;
    return resident;
}

TEST(ReleaseUnusedStack, GivesBackThePagesBelowTheCallerThatAnEarlierCallTouched) {
    std::size_t before = 0;
    std::size_t after = 0;
    std::thread thread([&] {
        const std::uintptr_t deep = touch_deep_stack();
        before = resident_pages(deep, kDeep - 8192);
        release_unused_stack();
        after = resident_pages(deep, kDeep - 8192);
        touch_deep_stack();  // the released pages are usable again
    });
    thread.join();
    EXPECT_GT(before, 10u);
    EXPECT_EQ(after, 0u);
}

/// What the threads' serve function does: records its thread, then waits until released.
class Recorder {
public:
    ConnectionThreads::Serve serve() {
        return [this](const Poco::Net::StreamSocket&) {
            std::unique_lock lock(mutex_);
            threads_.insert(std::this_thread::get_id());
            ++served_;
            changed_.notify_all();
            changed_.wait(lock, [this] { return open_; });
        };
    }
    void hold() { set_open(false); }
    void release() { set_open(true); }
    void wait_served(int count) {
        std::unique_lock lock(mutex_);
        ASSERT_TRUE(changed_.wait_for(lock, test_support::scaled(std::chrono::seconds(30)), [&] { return served_ >= count; }));
    }
    std::size_t distinct_threads() {
        std::lock_guard lock(mutex_);
        return threads_.size();
    }

private:
    void set_open(bool open) {
        std::lock_guard lock(mutex_);
        open_ = open;
        changed_.notify_all();
    }
    std::mutex mutex_;
    std::condition_variable changed_;
    std::set<std::thread::id> threads_;
    int served_ = 0;
    bool open_ = true;
};

void wait_idle(const ConnectionThreads& threads) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (threads.busy() > 0 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
}

TEST(ConnectionThreads, ConnectionsOneAfterAnotherAreServedByTheSameIdleThread) {
    Recorder recorder;
    ConnectionThreads threads(8, 256 * 1024, recorder.serve());
    std::string refused;
    for (int i = 1; i <= 3; ++i) {
        ASSERT_TRUE(threads.hand_over(Poco::Net::StreamSocket(), refused)) << refused;
        recorder.wait_served(i);
        wait_idle(threads);
    }
    EXPECT_EQ(threads.threads(), 1u);
    EXPECT_EQ(recorder.distinct_threads(), 1u);
    EXPECT_EQ(threads.served(), 3u);
}

TEST(ConnectionThreads, ConnectionsAtOnceHaveAThreadEachUpToTheLimit) {
    Recorder recorder;
    recorder.hold();
    ConnectionThreads threads(5, 256 * 1024, recorder.serve());
    std::string refused;
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(threads.hand_over(Poco::Net::StreamSocket(), refused)) << refused;
    recorder.wait_served(5);
    EXPECT_EQ(threads.busy(), 5u);
    EXPECT_EQ(recorder.distinct_threads(), 5u);
    EXPECT_FALSE(threads.hand_over(Poco::Net::StreamSocket(), refused));
    EXPECT_EQ(refused, "") << "the limit is no refusal of the system's";
    recorder.release();
    wait_idle(threads);
    EXPECT_EQ(threads.busy(), 0u);
}

TEST(ConnectionThreads, PrestartMakesTheThreadsInTheBackgroundAndSaysHowMany) {
    Recorder recorder;
    ConnectionThreads threads(300, 256 * 1024, recorder.serve());
    std::promise<std::pair<std::size_t, std::string>> reported;
    threads.prestart(200, [&](std::size_t made, const std::string& refused) { reported.set_value({made, refused}); });
    std::string refused;
    ASSERT_TRUE(threads.hand_over(Poco::Net::StreamSocket(), refused)) << "served while it prestarts";
    threads.wait_prestarted();
    const auto [made, why] = reported.get_future().get();
    EXPECT_GE(made, 200u);
    EXPECT_EQ(why, "");
    EXPECT_GE(threads.threads(), 200u);
}

TEST(ConnectionThreads, StopEndsTheIdleThreadsAndWaitsForTheBusyOnes) {
    Recorder recorder;
    recorder.hold();
    ConnectionThreads threads(8, 256 * 1024, recorder.serve());
    threads.prestart(4, [](std::size_t, const std::string&) {});
    threads.wait_prestarted();
    std::string refused;
    ASSERT_TRUE(threads.hand_over(Poco::Net::StreamSocket(), refused));
    recorder.wait_served(1);
    auto stopped = std::async(std::launch::async, [&] { threads.stop(); });
    EXPECT_EQ(stopped.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout)
        << "stop() returned while a connection was being served";
    recorder.release();
    stopped.get();
    EXPECT_EQ(threads.busy(), 0u);
}

}  // namespace
}  // namespace plugin_host
