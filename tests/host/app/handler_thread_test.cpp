// Which thread runs a handler, through the real executable: a worker for a plugin that may
// block (every 2.0 and 2.1 plugin, and a 2.2 one that says nothing), the loop thread that
// read the request for one that says it never blocks (Registrar::never_blocks()), unless a
// filter of a plugin that may block covers the request.
#include <gtest/gtest.h>

#include "support/host_process.hpp"
#include "support/http_client.hpp"
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

}  // namespace
}  // namespace plugin_host
