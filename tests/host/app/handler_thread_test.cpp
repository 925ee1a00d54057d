// Which thread runs a handler, through the real executable: a worker for a plugin that may
// block (every 2.0 and 2.1 plugin, and a 2.2 one that says nothing), the loop thread that
// read the request for one that says it never blocks (Registrar::never_blocks()), unless a
// filter of a plugin that may block covers the request; which thread runs a repository
// callback (call_later_here(), contract 2.3: that loop thread, or the timer's when called from
// a worker; call_later(): the timer's); and what happens when every worker is busy.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/raw_client.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <string>

namespace plugin_host {
namespace {

using test_support::HostProcess;
using test_support::send_request;

std::string plugin_ini(const std::string& name, const std::string& settings) {
    return "[plugin." + name + "]\nlibrary = " + test_paths::kThreadNamePlugin + "\n" + settings;
}

TEST(HandlerThread, APluginThatMayBlockRunsOnAWorker) {
    HostProcess host(0, plugin_ini("blocking", ""));
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    const auto response = send_request(host.port(), "GET", "/thread");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "ph-worker");
}

TEST(HandlerThread, APluginThatNeverBlocksRunsOnTheLoopThatReadTheRequest) {
    HostProcess host(0, plugin_ini("quick", "never_blocks = true\n"));
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    const auto response = send_request(host.port(), "GET", "/thread");
    EXPECT_EQ(response.status, 200);
    EXPECT_TRUE(response.body.starts_with("ph-loop-")) << response.body;
}

TEST(HandlerThread, AFilterThatMayBlockSendsANeverBlockingRouteToAWorker) {
    HostProcess host(0, plugin_ini("quick", "never_blocks = true\n") +
                            plugin_ini("watcher", "route =\nfilter = /thread\n") + "[filters]\napply = watcher\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    const auto response = send_request(host.port(), "GET", "/thread");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "ph-worker");
    EXPECT_EQ(response.headers.get("X-Filter-Thread", ""), "ph-worker");
}

TEST(HandlerThread, AFilterThatNeverBlocksKeepsTheRouteOnTheLoop) {
    HostProcess host(0, plugin_ini("quick", "never_blocks = true\n") +
                            plugin_ini("watcher", "route =\nfilter = /thread\nnever_blocks = true\n") +
                            "[filters]\napply = watcher\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    const auto response = send_request(host.port(), "GET", "/thread");
    EXPECT_EQ(response.status, 200);
    EXPECT_TRUE(response.body.starts_with("ph-loop-")) << response.body;
    EXPECT_TRUE(response.headers.get("X-Filter-Thread", "").starts_with("ph-loop-"));
}

TEST(HandlerThread, CallLaterHereCompletesOnTheLoopThreadThatRanTheHandlerAndCallLaterOnTheTimers) {
    HostProcess host(50, plugin_ini("quick", "never_blocks = true\nlater = true\n"));
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    for (int i = 0; i < 4; ++i) {  // on each of the loops, most likely
        const auto here = send_request(host.port(), "GET", "/later/here");
        EXPECT_EQ(here.status, 200);
        const std::string handler = here.body.substr(0, here.body.find(' '));
        EXPECT_TRUE(handler.starts_with("ph-loop-")) << here.body;
        EXPECT_EQ(here.body, handler + " " + handler);
        const auto timer = send_request(host.port(), "GET", "/later/timer");
        EXPECT_EQ(timer.status, 200);
        EXPECT_TRUE(timer.body.starts_with("ph-loop-")) << timer.body;
        EXPECT_TRUE(timer.body.ends_with(" ph-timer")) << timer.body;
    }
}

TEST(HandlerThread, CallLaterHereFromAWorkerCompletesOnTheTimerThread) {
    HostProcess host(50, plugin_ini("blocking", "later = true\n"));
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    const auto response = send_request(host.port(), "GET", "/later/here");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "ph-worker ph-timer");
}

TEST(HandlerThread, WithEveryWorkerBusyARequestIsAnswered503WithRetryAfterAndTheLoopGoesOn) {
    // One worker, held for 2 s by a 2.0 handler that blocks in the repository.
    HostProcess host(2000, test_support::blocking_seed_plugins_ini(), "max_workers = 1\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    test_support::RawClient busy(host.port());
    ASSERT_TRUE(busy.send(test_support::seed_request_bytes("/first", "first")));
    ASSERT_TRUE(test_support::eventually([&] { return host.metric("plugin_host_pool_threads_busy") == 1; }));

    test_support::RawClient refused(host.port());
    ASSERT_TRUE(refused.send(test_support::seed_request_bytes("/second", "second")));
    const auto answers = test_support::parse_responses(refused.read_responses(1, test_support::scaled(std::chrono::seconds(1))).bytes);
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].status, 503);
    EXPECT_NE(answers[0].head.find("Retry-After: 1"), std::string::npos) << answers[0].head;
    // The loops do not wait for the worker: /healthz and /metrics answer meanwhile...
    EXPECT_EQ(send_request(host.port(), "GET", "/healthz").status, 200);
    EXPECT_EQ(host.metric("plugin_host_pool_threads_busy"), 1);
    // ...and the request that holds it is answered when its handler returns.
    const auto served = test_support::parse_responses(busy.read_responses(1, test_support::scaled(std::chrono::seconds(5))).bytes);
    ASSERT_EQ(served.size(), 1u);
    EXPECT_EQ(served[0].status, 200);
}

}  // namespace
}  // namespace plugin_host
