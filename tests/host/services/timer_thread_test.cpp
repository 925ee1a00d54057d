// The timer thread: callbacks at their time, in the order of their times and, at the same
// time, of their scheduling; on a thread of its own; stop() drops those not yet run.
#include "services/timer_thread.hpp"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;

class TimerThreadTest : public ::testing::Test {
protected:
    /// Holds the timer's thread in a callback until the returned promise is set: what is
    /// scheduled meanwhile is all due by the time it goes on.
    std::shared_ptr<std::promise<void>> hold_timer() {
        auto gate = std::make_shared<std::promise<void>>();
        auto entered = std::make_shared<std::promise<void>>();
        timer_.schedule_after(0ms, [opened = gate->get_future().share(), entered] {
            entered->set_value();
            opened.wait();
        });
        entered->get_future().wait();
        return gate;
    }

    /// A callback that appends `name` to `order_`, and sets `all_ran_` once `count` ran.
    std::function<void()> record(std::string name, std::size_t count) {
        return [this, name = std::move(name), count] {
            std::lock_guard lock(mutex_);
            order_.push_back(name);
            if (order_.size() == count) all_ran_.set_value();
        };
    }

    TimerThread timer_;
    std::mutex mutex_;
    std::vector<std::string> order_;
    std::promise<void> all_ran_;
};

TEST_F(TimerThreadTest, RunsCallbacksInTheOrderOfTheirTimesNotOfTheirScheduling) {
    const auto gate = hold_timer();
    const auto now = TimerThread::Clock::now();
    timer_.schedule_at(now + 3ms, record("third", 3));
    timer_.schedule_at(now + 1ms, record("first", 3));
    timer_.schedule_at(now + 2ms, record("second", 3));
    gate->set_value();
    ASSERT_EQ(all_ran_.get_future().wait_for(5s), std::future_status::ready);
    EXPECT_EQ(order_, (std::vector<std::string>{"first", "second", "third"}));
}

TEST_F(TimerThreadTest, CallbacksDueAtTheSameTimeRunInTheOrderTheyWereScheduled) {
    const auto gate = hold_timer();
    const auto when = TimerThread::Clock::now() + 1ms;
    for (const char* name : {"a", "b", "c", "d", "e"}) timer_.schedule_at(when, record(name, 5));
    gate->set_value();
    ASSERT_EQ(all_ran_.get_future().wait_for(5s), std::future_status::ready);
    EXPECT_EQ(order_, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST_F(TimerThreadTest, AnEarlierCallbackScheduledAfterALaterOneDoesNotWaitForIt) {
    timer_.schedule_after(1h, record("in an hour", 1));
    timer_.schedule_after(0ms, record("now", 1));
    ASSERT_EQ(all_ran_.get_future().wait_for(5s), std::future_status::ready);
    EXPECT_EQ(order_, std::vector<std::string>{"now"});
}

TEST_F(TimerThreadTest, CallbacksRunOnTheTimersOwnThread) {
    std::promise<std::thread::id> ran_on;
    timer_.schedule_after(0ms, [&ran_on] { ran_on.set_value(std::this_thread::get_id()); });
    std::future<std::thread::id> id = ran_on.get_future();
    ASSERT_EQ(id.wait_for(5s), std::future_status::ready);
    EXPECT_NE(id.get(), std::this_thread::get_id());
}

TEST_F(TimerThreadTest, ACallbackThatThrowsDoesNotStopTheOthers) {
    timer_.schedule_after(0ms, [] { throw std::runtime_error("thrown"); });
    timer_.schedule_after(0ms, record("after", 1));
    ASSERT_EQ(all_ran_.get_future().wait_for(5s), std::future_status::ready);
}

TEST_F(TimerThreadTest, StopDropsPendingCallbacksWithoutRunningThemAndRefusesNewOnes) {
    auto token = std::make_shared<int>(0);
    bool ran = false;
    timer_.schedule_after(1h, [token, &ran] { ran = true; });
    EXPECT_EQ(token.use_count(), 2);
    timer_.stop();
    EXPECT_EQ(token.use_count(), 1);  // destroyed by stop()
    EXPECT_FALSE(ran);
    EXPECT_FALSE(timer_.schedule_after(0ms, [token, &ran] { ran = true; }));
    EXPECT_EQ(token.use_count(), 1);  // refused, and destroyed at once
    EXPECT_FALSE(ran);
    timer_.stop();  // again: nothing
}

}  // namespace
}  // namespace plugin_host
