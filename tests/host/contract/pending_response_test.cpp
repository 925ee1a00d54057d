// PendingResponse (host/http/pending_response.hpp): the answer that comes after its handler
// returned. The first of complete() and expire() wins; `ready` runs once, on the thread that
// decided, or at once if one already had. Here beside the contract (2.2) it serves, as
// tests/host/http/ belongs to the connection layer's rewrite.
#include "http/pending_response.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace plugin_host {
namespace {

HttpResponse answer(int status, std::string body) { return json_response(status, std::move(body)); }

TEST(PendingResponseTest, KnowsWhoseAnswerItIs) { EXPECT_EQ(PendingResponse("kv").owner(), "kv"); }

TEST(PendingResponseTest, CompleteThenExpireKeepsTheCompletedAnswer) {
    PendingResponse pending("kv");
    EXPECT_TRUE(pending.complete(answer(201, "{\"made\":true}")));
    EXPECT_FALSE(pending.expire(error_response(500, "too late")));
    int calls = 0;
    pending.when_ready([&calls] { ++calls; });  // decided already: at once
    EXPECT_EQ(calls, 1);
    const HttpResponse taken = pending.take();
    EXPECT_EQ(taken.status, 201);
    EXPECT_EQ(taken.body, "{\"made\":true}");
}

TEST(PendingResponseTest, ExpireThenCompleteKeepsTheFallback) {
    PendingResponse pending("kv");
    int calls = 0;
    pending.when_ready([&calls] { ++calls; });
    EXPECT_EQ(calls, 0);
    EXPECT_TRUE(pending.expire(error_response(500, "too late")));
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(pending.complete(answer(200, "{}")));
    EXPECT_EQ(calls, 1);  // once
    const HttpResponse taken = pending.take();
    EXPECT_EQ(taken.status, 500);
    EXPECT_EQ(taken.body, R"({"error":"too late"})");
}

TEST(PendingResponseTest, ReadyGivenBeforeRunsOnTheThreadThatCompletesAndMayTakeThere) {
    PendingResponse pending("kv");
    std::thread::id ran_on;
    HttpResponse taken;
    pending.when_ready([&] {
        ran_on = std::this_thread::get_id();
        taken = pending.take();  // outside the lock: no deadlock
    });
    std::thread::id completer;
    std::thread([&] {
        completer = std::this_thread::get_id();
        EXPECT_TRUE(pending.complete(answer(202, "{\"later\":1}")));
    }).join();
    EXPECT_EQ(ran_on, completer);
    EXPECT_EQ(taken.status, 202);
    EXPECT_EQ(taken.body, "{\"later\":1}");
}

TEST(PendingResponseTest, ReadyGivenAfterRunsAtOnceOnTheCallersThread) {
    PendingResponse pending("kv");
    std::thread([&] { pending.complete(answer(200, "{}")); }).join();
    std::thread::id ran_on;
    pending.when_ready([&ran_on] { ran_on = std::this_thread::get_id(); });
    EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(PendingResponseTest, CompleteAndExpireFromTwoThreadsDecideOnceAndReadyRunsOnce) {
    for (int round = 0; round < 200; ++round) {
        PendingResponse pending("kv");
        std::atomic<int> calls{0};
        pending.when_ready([&calls] { ++calls; });
        std::atomic<bool> go{false};
        bool completed = false;
        bool expired = false;
        std::thread plugin([&] {
            while (!go) {
            }
            completed = pending.complete(answer(200, "{}"));
        });
        std::thread connection([&] {
            while (!go) {
            }
            expired = pending.expire(error_response(500, "too late"));
        });
        go = true;
        plugin.join();
        connection.join();
        ASSERT_NE(completed, expired) << "round " << round;
        EXPECT_EQ(calls, 1) << "round " << round;
        EXPECT_EQ(pending.take().status, completed ? 200 : 500) << "round " << round;
    }
}

}  // namespace
}  // namespace plugin_host
