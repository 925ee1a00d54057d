// Lifecycle hooks (contract 2.1) through the real executable: the ticker example's
// background thread starts before its first request and stops before it is unloaded, at a
// swap and at shutdown; a stop that never returns is reported, its plugin never unloaded,
// and the host still stops.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/plugin_files.hpp"
#include "support/temp_dir.hpp"
#include "test_paths.hpp"

#include <csignal>
#include <regex>

namespace {

using test_support::HostProcess;
using test_support::send_request;

/// generation_ticks of GET /ticker; -1 if it did not answer 200.
long ticks(const HostProcess& host) {
    const auto answer = send_request(host.port(), "GET", "/ticker");
    std::smatch match;
    if (answer.status != 200 || !std::regex_search(answer.body, match, std::regex(R"("generation_ticks":(\d+))"))) return -1;
    return std::stol(match[1]);
}

TEST(Lifecycle, TheTickerStartsBeforeItsFirstRequestAndStopsAtASwapAndAtShutdown) {
    test_support::TempDir folder;
    const auto ticker_file = folder.path() / "ticker.so";
    test_support::publish_by_rename(test_paths::kTickerPlugin, ticker_file);
    HostProcess host(0, test_support::seed_plugins_ini() + "[plugins]\nsettle_ms = 50\n[plugin.ticker]\nlibrary = " +
                            ticker_file.string() + "\ninterval = 20ms\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    EXPECT_GE(ticks(host), 1);  // started, and refreshed once, before the first request
    EXPECT_TRUE(test_support::eventually([&] { return ticks(host) >= 5; })) << "the background thread does not run";

    test_support::publish_by_rename(test_paths::kTickerV2Plugin, ticker_file);
    ASSERT_TRUE(host.wait_for_output("Loaded plugin 'ticker' generation 2")) << host.output();
    EXPECT_TRUE(host.wait_for_output("Unloaded plugin 'ticker' generation 1")) << host.output();
    const std::string output = host.output();
    const auto stopped = output.find("Stopped after ");
    ASSERT_NE(stopped, std::string::npos) << "generation 1 was unloaded without its stop";
    EXPECT_LT(stopped, output.find("Unloaded plugin 'ticker' generation 1"));

    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
    const std::string all = host.output();
    EXPECT_NE(all.find("Stopped after ", stopped + 1), std::string::npos) << "generation 2 was not stopped at shutdown";
}

TEST(Lifecycle, AStopThatDoesNotReturnIsReportedItsPluginKeptAndTheHostStillExits) {
    test_support::TempDir folder;
    const auto stuck_file = folder.path() / "stuck.so";
    test_support::publish_by_rename(test_paths::kStuckStopPlugin, stuck_file);
    HostProcess host(0, test_support::seed_plugins_ini() +
                            "[plugins]\nsettle_ms = 50\nlifecycle_timeout_ms = 200\n[plugin.stuck]\nlibrary = " +
                            stuck_file.string() + "\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    EXPECT_EQ(send_request(host.port(), "GET", "/stuck").status, 200);

    host.signal(SIGTERM);
    const std::optional<int> exit_code = host.wait_for(std::chrono::seconds(10));
    ASSERT_TRUE(exit_code) << "the host waited for the stop hook: " << host.output();
    EXPECT_EQ(*exit_code, 0) << host.output();
    EXPECT_TRUE(host.wait_for_output("The stop of plugin 'stuck' generation 1 did not return within 200 ms "
                                     "([plugins] lifecycle_timeout_ms)"));
    EXPECT_TRUE(host.wait_for_output("Exiting without waiting for 1 plugin hook(s) past their lifecycle_timeout_ms"));
    EXPECT_EQ(host.output().find("Unloaded plugin 'stuck'"), std::string::npos);
}

}  // namespace
