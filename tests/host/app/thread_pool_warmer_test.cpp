#include "app/thread_pool_warmer.hpp"

#include <gtest/gtest.h>


#include <atomic>
#include <chrono>

namespace plugin_host {
namespace {

TEST(ThreadPoolWarmer, CreatesTheThreadsAndLeavesThemIdle) {
    Poco::ThreadPool pool(1, 400);
    ThreadPoolWarmer warmer(pool, 200, Poco::Logger::get("test"));
    warmer.wait();
    EXPECT_GE(pool.allocated(), 200);
}

TEST(ThreadPoolWarmer, OtherWorkStillGetsThreadsWhileItWarms) {
    Poco::ThreadPool pool(1, 400);
    ThreadPoolWarmer warmer(pool, 200, Poco::Logger::get("test"));
    std::atomic<int> ran{0};
    struct Task : Poco::Runnable {
        std::atomic<int>& ran;
        explicit Task(std::atomic<int>& counter) : ran(counter) {}
        void run() override { ++ran; }
    } task(ran);
    for (int i = 0; i < 50; ++i) pool.start(task);  // would throw if the warmer held every thread
    warmer.wait();
    pool.joinAll();
    EXPECT_EQ(ran, 50);
}

TEST(ThreadPoolWarmer, DestroyingItEarlyReleasesItsTasksAtOnce) {
    Poco::ThreadPool pool(1, 400);
    const auto started = std::chrono::steady_clock::now();
    { ThreadPoolWarmer warmer(pool, 300, Poco::Logger::get("test")); }
    pool.joinAll();  // returns only once every waiting task was released
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

}  // namespace
}  // namespace plugin_host
