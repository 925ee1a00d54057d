// Tests of the plugin-host executable under the signals an operator sends: SIGTERM and SIGINT
// drain and exit, SIGHUP reloads; and of the process at rest.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/keep_alive_load.hpp"
#include "support/open_files.hpp"
#include "support/plugin_files.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

namespace {

using test_support::eventually;
using test_support::HostProcess;
using test_support::post_json;
using test_support::seed_body;

/// Waits (bounded) until `path` answers `expected_body`.
bool wait_for_body(std::uint16_t port, const std::string& path, const std::string& expected_body) {
    return eventually([&] { return post_json(port, path, seed_body("s")).body == expected_body; });
}

TEST(HostApplication, SigtermLetsTheRequestInFlightFinishThenExitsZero) {
    HostProcess host(600);
    ASSERT_TRUE(host.wait_until_healthy());
    auto in_flight = std::async(std::launch::async, [port = host.port()] {
        return post_json(port, "/first", seed_body("first"));
    });
    // The request is in flight once /metrics counts it beside itself.
    ASSERT_TRUE(eventually([&] { return host.metric("plugin_host_requests_in_flight") == 2; }));
    host.signal(SIGTERM);
    const auto response = in_flight.get();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"result":"first_first,first_second Executed"})");
    EXPECT_EQ(host.wait(), 0);
}

TEST(HostApplication, SigtermUnderLoadAnswersEveryRequestSentBeforeItClosesIdleConnectionsAndExitsZero) {
    // Idle keep-alive connections would hold the process for a minute if the drain did not
    // close them.
    HostProcess host(500, test_support::seed_plugins_ini(), "keep_alive_timeout_ms = 60000\ndrain_timeout_ms = 10000\n");
    ASSERT_TRUE(host.wait_until_healthy());
    std::vector<std::unique_ptr<test_support::KeepAliveLoad>> loads;
    for (const char* path : {"/first", "/second", "/third"}) {
        loads.push_back(std::make_unique<test_support::KeepAliveLoad>(host.port(), path, 6, std::chrono::seconds(30)));
    }
    test_support::RawClient idle(host.port());
    ASSERT_TRUE(idle.send("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"));
    const auto first_answer = idle.read_responses(1, test_support::scaled(std::chrono::seconds(2)));
    ASSERT_EQ(test_support::parse_responses(first_answer.bytes).size(), 1u);

    // Three rounds of 18 clients answered, and the next requests in flight.
    const auto completed_so_far = [&loads] {
        std::uint64_t completed = 0;
        for (const auto& load : loads) completed += load->completed();
        return completed;
    };
    ASSERT_TRUE(eventually([&] { return completed_so_far() >= 18u * 3; }, std::chrono::seconds(10)));
    ASSERT_TRUE(eventually([&] { return host.metric("plugin_host_requests_in_flight") > 1; }));
    const auto signalled = std::chrono::steady_clock::now();
    host.signal(SIGTERM);
    const std::optional<int> exit_code = host.wait_for(std::chrono::seconds(8));
    const auto exited_after = std::chrono::steady_clock::now() - signalled;
    for (auto& load : loads) load->stop();

    ASSERT_TRUE(exit_code.has_value()) << "still running 8 s after SIGTERM";
    EXPECT_EQ(*exit_code, 0) << host.output();
    EXPECT_LT(exited_after, test_support::scaled(std::chrono::seconds(3)));
    std::uint64_t completed = 0;
    for (const auto& load : loads) {
        EXPECT_EQ(load->failed_sent_before(signalled), 0u) << ::testing::PrintToString(load->failures());
        completed += load->completed();
    }
    EXPECT_GE(completed, 18u * 3);  // three rounds of 18 clients before the signal
    EXPECT_TRUE(idle.read_until_closed(test_support::scaled(std::chrono::seconds(1))).closed);
}

TEST(HostApplication, SigtermCutsARequestThatOutlivesTheDrainTimeoutLogsItAndLeavesNothingBehind) {
    test_support::TempDir shadow;
    // A 2.0 handler that blocks: its worker is still in the repository's wait at the end.
    HostProcess host(5000,
                     test_support::blocking_seed_plugins_ini() + "[plugins]\nshadow_dir = " + shadow.path().string() + "\n",
                     "drain_timeout_ms = 500\n");
    ASSERT_TRUE(host.wait_until_healthy());
    ASSERT_FALSE(std::filesystem::is_empty(shadow.path()));  // the host's private copies
    auto too_slow = std::async(std::launch::async, [port = host.port()] {
        try {
            return post_json(port, "/first", seed_body("first")).status;
        } catch (const Poco::Exception&) {
            return 0;  // cut
        }
    });
    ASSERT_TRUE(eventually([&] { return host.metric("plugin_host_requests_in_flight") == 2; }));
    const auto signalled = std::chrono::steady_clock::now();
    host.signal(SIGTERM);
    ASSERT_TRUE(host.wait_for_output("Stopped accepting"));  // draining now: no new client is served
    EXPECT_THROW(post_json(host.port(), "/second", seed_body("second")), Poco::Exception);
    const std::optional<int> exit_code = host.wait_for(std::chrono::seconds(4));
    const auto exited_after = std::chrono::steady_clock::now() - signalled;

    ASSERT_TRUE(exit_code.has_value()) << "still running 4 s after SIGTERM";
    EXPECT_EQ(*exit_code, 0) << host.output();
    EXPECT_LT(exited_after, test_support::scaled(std::chrono::milliseconds(500 + 1000 + 800)));  // drain, grace, margin
    EXPECT_NE(too_slow.get(), 200);
    EXPECT_NE(host.output().find("Drain timeout: closed 1 connections"), std::string::npos) << host.output();
    // The last lines, written out before the process left without waiting for the request.
    EXPECT_NE(host.output().find("A request is still running inside a plugin after the drain timeout; exiting without it"),
              std::string::npos)
        << host.output();
    EXPECT_TRUE(std::filesystem::is_empty(shadow.path())) << "the private copies were left behind";
}

TEST(HostApplication, SighupReloadsWithThousandsOfConnectionsOpen) {
    // Each open connection holds a descriptor, so past a thousand of them every descriptor
    // the host makes is beyond what select() can take (glibc aborts the process for it).
    constexpr int kConnections = 1100;
    ASSERT_GT(test_support::raise_open_file_limit(), kConnections + 100u);
    test_support::TempDir elsewhere;  // a second plugin folder, new to the host
    test_support::publish_by_rename(test_paths::kSwapV1Plugin, elsewhere / "swap.so");
    const std::string admin = "[admin]\nenabled = true\n[plugins]\nsettle_ms = 50\n";
    // Opening them all takes long under the sanitizers: none may reach its keep-alive timeout.
    const std::string server = "max_connections = 1200\nkeep_alive_timeout_ms = 600000\n";
    HostProcess host(0, test_support::seed_plugins_ini() + admin, server, {.limits = {"--nofile=4096:4096"}});
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();

    std::vector<std::unique_ptr<test_support::RawClient>> idle;
    for (int i = 0; i < kConnections; ++i) {
        idle.push_back(std::make_unique<test_support::RawClient>(host.port()));
        ASSERT_TRUE(idle.back()->send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
        ASSERT_EQ(
            test_support::parse_responses(idle.back()->read_responses(1, test_support::scaled(std::chrono::seconds(5))).bytes)
                .size(),
            1u)
            << "connection " << i << "\n"
            << host.output();
    }
    ASSERT_GT(test_support::open_descriptors(host.pid()), static_cast<std::size_t>(kConnections));

    const std::string swap = "[plugin.swap]\nlibrary = " + (elsewhere / "swap.so").string() + "\n";
    host.rewrite_config(0, test_support::seed_plugins_ini() + admin + swap, server);
    host.signal(SIGHUP);
    ASSERT_TRUE(wait_for_body(host.port(), "/swap", R"({"version":"v1"})")) << host.output();
    const auto reloaded = test_support::send_request(host.port(), "POST", "/admin/reload", "{}");
    EXPECT_EQ(reloaded.status, 200) << reloaded.body;

    // A storm of reloads while connections come and go.
    for (int round = 0; round < 20; ++round) {
        host.signal(SIGHUP);
        idle[static_cast<std::size_t>(round)] = std::make_unique<test_support::RawClient>(host.port());
        EXPECT_EQ(test_support::send_request(host.port(), "GET", "/healthz").status, 200) << host.output();
    }
    // The new folder is watched: a new version published there is loaded by itself.
    test_support::publish_by_rename(test_paths::kSwapV2Plugin, elsewhere / "swap.so");
    EXPECT_TRUE(wait_for_body(host.port(), "/swap", R"({"version":"v2"})")) << host.output();

    idle.clear();
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(10)), std::optional<int>(0)) << host.output();
}

/// User and system CPU time process `pid` has used so far.
std::chrono::milliseconds cpu_time(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));  // after the command name
    std::string field;
    long ticks = 0;
    for (int index = 3; fields >> field && index <= 15; ++index) {
        if (index >= 14) ticks += std::stol(field);  // utime, stime
    }
    return std::chrono::milliseconds(ticks * 1000 / ::sysconf(_SC_CLK_TCK));
}

TEST(HostApplication, AnIdleHostUsesNoCpuAfterServingAConnection) {
    HostProcess host(0);
    ASSERT_TRUE(host.wait_until_healthy());
    EXPECT_EQ(post_json(host.port(), "/first", seed_body("first")).status, 200);
    // An idle host's few wake-ups cost more under a sanitizer; a spinning thread costs the
    // whole window, which is kept at least twice the bound.
    const auto bound = test_support::scaled(std::chrono::milliseconds(200));
    const auto window = std::max<std::chrono::milliseconds>(std::chrono::seconds(1), 2 * bound);
    const auto before = cpu_time(host.pid());
    std::this_thread::sleep_for(window);  // the window measured: the host is idle
    const auto used = cpu_time(host.pid()) - before;
    EXPECT_LT(used, bound) << "a thread spins while the host is idle: " << used.count() << " ms of CPU in "
                           << window.count() << " ms";
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
}

TEST(HostApplication, SigintStopsCleanly) {
    HostProcess host(0);
    ASSERT_TRUE(host.wait_until_healthy());
    host.signal(SIGINT);
    EXPECT_EQ(host.wait(), 0);
}

TEST(HostApplication, SighupReloadsChangedPluginsAndTheConfiguration) {
    test_support::TempDir plugins;
    test_support::publish_by_rename(test_paths::kSwapV1Plugin, plugins / "swap.so");
    const std::string swap_only = "[plugins]\nwatch = false\npoll_interval_ms = 0\n[plugin.swap]\nlibrary = " +
                                  (plugins / "swap.so").string() + "\n";
    HostProcess host(0, swap_only);
    ASSERT_TRUE(host.wait_until_healthy());

    // Nothing watches: the host holds no inotify descriptor to be told of the new version by.
    EXPECT_EQ(test_support::inotify_descriptors(host.pid()), 0u);
    test_support::publish_by_rename(test_paths::kSwapV2Plugin, plugins / "swap.so");
    EXPECT_EQ(post_json(host.port(), "/swap", seed_body("s")).body, R"({"version":"v1"})");
    host.signal(SIGHUP);
    // The SIGHUP is what loads it: generation 2 says so, and nothing else ever loaded one.
    EXPECT_TRUE(host.wait_for_output("Loaded plugin 'swap' generation 2 from " + (plugins / "swap.so").string() +
                                     " (POST /swap) [reload]"))
        << host.output();
    EXPECT_TRUE(wait_for_body(host.port(), "/swap", R"({"version":"v2"})"));
    EXPECT_EQ(host.output().find("[watcher]"), std::string::npos) << host.output();
    EXPECT_EQ(host.output().find("[periodic check]"), std::string::npos) << host.output();

    host.rewrite_config(0, swap_only + "[plugin.third]\nlibrary = " + test_paths::kThirdPlugin + "\n");
    host.signal(SIGHUP);
    EXPECT_TRUE(wait_for_body(host.port(), "/third", R"({"result":"third_first,third_second Executed"})"));

    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
}

}  // namespace
