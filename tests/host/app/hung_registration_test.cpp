// The plugin-host executable with a plugin whose register_endpoints() does not return (for
// good, or not in time): a stop is still honoured within the drain timeout, the plugin is
// refused past [plugins] registration_timeout_ms, and POST /admin/reload answers in time.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <csignal>
#include <filesystem>

namespace {

using namespace std::chrono_literals;
using test_support::HostProcess;
using test_support::scaled;

/// The slow plugin's section: it never returns from register_endpoints().
std::string hung_plugin() {
    return std::string("[plugin.slow]\nlibrary = ") + test_paths::kSlowRegistrationPlugin + "\n";
}

/// The seed plugins and the given [plugins] keys, private copies made in `shadow`.
std::string plugins_ini(const test_support::TempDir& shadow, const std::string& plugins_keys) {
    return test_support::seed_plugins_ini() + "[plugins]\nshadow_dir = " + shadow.path().string() + "\n" +
           plugins_keys + "[admin]\nenabled = true\n";
}

/// A stop must come within the drain timeout (1 s here) plus this.
constexpr auto kStopMargin = 2000ms;

TEST(HungRegistration, SigtermDuringAReloadWhosePluginNeverReturnsExitsWithinTheDrainTimeoutNamingIt) {
    test_support::TempDir shadow;
    // The default registration limit (10 s) is far beyond this test's stop.
    const std::string plugins = plugins_ini(shadow, "");
    HostProcess host(0, plugins, "drain_timeout_ms = 1000\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();

    host.rewrite_config(0, plugins + hung_plugin(), "drain_timeout_ms = 1000\n");
    host.signal(SIGHUP);
    ASSERT_TRUE(host.wait_for_output("register_endpoints() blocks for good")) << host.output();
    EXPECT_EQ(test_support::post_json(host.port(), "/first", test_support::seed_body("f")).status, 200);

    host.signal(SIGTERM);
    const std::optional<int> exit_code = host.wait_for(1000ms + kStopMargin);
    ASSERT_TRUE(exit_code.has_value()) << "still running after SIGTERM\n" << host.output();
    EXPECT_EQ(*exit_code, 0) << host.output();
    EXPECT_NE(host.output().find("Received SIGTERM: finishing requests in flight, then stopping"), std::string::npos);
    EXPECT_NE(host.output().find("abandoned while it was loading: the host is stopping (SIGTERM)"), std::string::npos)
        << host.output();
    EXPECT_NE(host.output().find(std::string("Exiting without waiting for the abandoned load of plugin 'slow' (") +
                                 test_paths::kSlowRegistrationPlugin + "), still running"),
              std::string::npos)
        << host.output();
    EXPECT_TRUE(std::filesystem::is_empty(shadow.path())) << "the private copies were left behind";
}

TEST(HungRegistration, SigtermWhileAPluginRegistersAtStartUpExitsAtOnce) {
    test_support::TempDir shadow;
    HostProcess host(0, plugins_ini(shadow, "") + hung_plugin(),
                     "drain_timeout_ms = 1000\n");
    ASSERT_TRUE(host.wait_for_output("register_endpoints() blocks for good")) << host.output();

    host.signal(SIGTERM);
    const std::optional<int> exit_code = host.wait_for(1000ms + kStopMargin);
    ASSERT_TRUE(exit_code.has_value()) << "still running after SIGTERM\n" << host.output();
    EXPECT_EQ(*exit_code, 0) << host.output();
    EXPECT_NE(host.output().find("Stopped by SIGTERM while loading the plugins"), std::string::npos) << host.output();
    EXPECT_NE(host.output().find("abandoned load of plugin 'slow'"), std::string::npos) << host.output();
    EXPECT_TRUE(std::filesystem::is_empty(shadow.path())) << "the private copies were left behind";
}

TEST(HungRegistration, APluginPastTheRegistrationLimitAtStartUpStopsStartUpNamingTheLimit) {
    test_support::TempDir shadow;
    HostProcess host(0, plugins_ini(shadow, "registration_timeout_ms = 300\n") + hung_plugin());
    const std::optional<int> exit_code = host.wait_for(5000ms);
    ASSERT_TRUE(exit_code.has_value()) << "still starting\n" << host.output();
    EXPECT_EQ(*exit_code, 78) << host.output();
    EXPECT_NE(host.output().find("plugin 'slow' (" + std::string(test_paths::kSlowRegistrationPlugin) +
                                 "): did not finish loading"),
              std::string::npos)
        << host.output();
    EXPECT_NE(host.output().find("within 300 ms ([plugins] registration_timeout_ms)"), std::string::npos);
    EXPECT_TRUE(std::filesystem::is_empty(shadow.path()));
}

TEST(HungRegistration, AdminReloadAnswersWithinTheRegistrationLimitAndTheHostServesOn) {
    test_support::TempDir shadow;
    const std::string plugins = plugins_ini(shadow, "registration_timeout_ms = 500\n");
    HostProcess host(0, plugins, "drain_timeout_ms = 1000\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    host.rewrite_config(0, plugins + hung_plugin(), "drain_timeout_ms = 1000\n");

    test_support::RawClient admin(host.port());
    ASSERT_TRUE(admin.send("POST /admin/reload HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"));
    const auto answers = test_support::parse_responses(admin.read_responses(1, scaled(5000ms)).bytes);
    ASSERT_EQ(answers.size(), 1u) << "POST /admin/reload did not answer\n" << host.output();
    EXPECT_EQ(answers[0].status, 409);
    EXPECT_NE(answers[0].body.find(R"({"plugin":"slow","reason":"plugin 'slow' ()"), std::string::npos)
        << answers[0].body;
    EXPECT_NE(answers[0].body.find("within 500 ms ([plugins] registration_timeout_ms)"), std::string::npos)
        << answers[0].body;
    EXPECT_EQ(test_support::post_json(host.port(), "/first", test_support::seed_body("f")).status, 200);

    // Its thread still runs: the stop neither waits for it nor unloads it.
    host.signal(SIGTERM);
    const std::optional<int> exit_code = host.wait_for(1000ms + kStopMargin);
    ASSERT_TRUE(exit_code.has_value()) << "still running after SIGTERM\n" << host.output();
    EXPECT_EQ(*exit_code, 0) << host.output();
    EXPECT_NE(host.output().find("Exiting without waiting for the abandoned load of plugin 'slow'"), std::string::npos)
        << host.output();
    EXPECT_TRUE(std::filesystem::is_empty(shadow.path()));
}

}  // namespace
