// The plugin-host executable applies on SIGHUP exactly what `--check-config` accepted:
// routes moving between plugins in one edit, the whole route table swapped at once, with
// no request in between answered 404 for a route that exists before and after.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_command.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/keep_alive_load.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <csignal>

namespace {

using test_support::HostProcess;

/// first and second, at the routes given.
std::string seed_routes(const std::string& first, const std::string& second) {
    return std::string("[plugin.first]\nlibrary = ") + test_paths::kFirstPlugin + "\nroute = " + first +
           "\n[plugin.second]\nlibrary = " + test_paths::kSecondPlugin + "\nroute = " + second + "\n";
}

const std::string kFirstAnswer = R"({"result":"first_first,first_second Executed"})";
const std::string kSecondAnswer = R"({"result":"second_first,second_second Executed"})";

/// Whether `path` answers `body` now.
bool answers(const HostProcess& host, const std::string& path, const std::string& body) {
    return test_support::post_json(host.port(), path, test_support::seed_body("s")).body == body;
}

TEST(ReloadAsChecked, WhatCheckConfigAcceptsASighupAppliesWithoutA404InBetween) {
    HostProcess host(0, seed_routes("/a", "/b"));
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    test_support::KeepAliveLoad on_b(host.port(), "/b", 2);
    const std::string config = (host.folder() / "server.ini").string();

    // first takes /b as second leaves it for /c; then the two exchange /b and /c.
    for (const auto& [first, second] : std::vector<std::pair<std::string, std::string>>{{"/b", "/c"}, {"/c", "/b"}}) {
        host.rewrite_config(0, seed_routes(first, second));
        const test_support::Finished checked = test_support::run_host({"--check-config", "--config", config});
        ASSERT_EQ(checked.exit_code, 0) << checked.err;
        EXPECT_EQ(checked.out, "configuration OK: " + config + ": 2 plugins, routes POST " + first + ", POST " + second + "\n");

        host.signal(SIGHUP);
        EXPECT_TRUE(test_support::eventually([&] {
            return answers(host, first, kFirstAnswer) && answers(host, second, kSecondAnswer);
        })) << first << " " << second << "\n" << host.output();
    }
    EXPECT_EQ(test_support::post_json(host.port(), "/a", test_support::seed_body("s")).status, 404);
    on_b.stop();
    EXPECT_EQ(on_b.failed(), 0u) << ::testing::PrintToString(on_b.failures());
    EXPECT_GT(on_b.completed(), 0u);
    EXPECT_EQ(host.output().find("Refused"), std::string::npos) << host.output();
}

}  // namespace
