// GET /healthz of the plugin-host executable while a plugin is refused or being added: by
// default a host that serves its routes is ready, and says what it lacks in the body;
// [plugins] healthz_requires_every_plugin = true makes it unready instead.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <csignal>
#include <fstream>

namespace {

using test_support::HostProcess;
using test_support::send_request;

/// A plugin section whose file is not a plugin (not optional).
std::string broken_plugin(const test_support::TempDir& dir) {
    std::ofstream(dir / "broken.so") << "not a shared object\n";
    return "[plugin.broken]\nlibrary = " + (dir / "broken.so").string() + "\n";
}

/// Adds `section` to the host's configuration and reloads it (SIGHUP); waits for the log to
/// say the reload is done.
void reload_with(HostProcess& host, const std::string& plugins) {
    host.rewrite_config(0, plugins);
    host.signal(SIGHUP);
    ASSERT_TRUE(host.wait_for_output("Reloaded ")) << host.output();
}

TEST(Health, APluginRefusedOnReloadLeavesTheHostReadyAndShowsTheRefusalInTheBodyMetricAndLog) {
    test_support::TempDir dir;
    HostProcess host(0);
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    reload_with(host, test_support::seed_plugins_ini() + broken_plugin(dir));

    const auto health = send_request(host.port(), "GET", "/healthz");
    EXPECT_EQ(health.status, 200) << health.body;
    EXPECT_TRUE(health.body.starts_with(R"({"status":"degraded","plugins":["first","second","third"],)"
                                        R"("missing":["broken"],"refused":[{"plugin":"broken","at":")"))
        << health.body;
    EXPECT_NE(health.body.find("): is not an ELF file\"}]}"), std::string::npos) << health.body;
    EXPECT_EQ(host.metric("plugin_host_plugin_refusals_total{plugin=\"broken\"}"), 1);
    EXPECT_NE(host.output().find("Refused plugin 'broken'"), std::string::npos);
    EXPECT_EQ(test_support::post_json(host.port(), "/first", test_support::seed_body("f")).status, 200);
}

TEST(Health, WithEveryPluginRequiredARefusedPluginMakesTheHostUnready) {
    test_support::TempDir dir;
    const std::string strict = "[plugins]\nhealthz_requires_every_plugin = true\n";
    HostProcess host(0, test_support::seed_plugins_ini() + strict);
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    reload_with(host, test_support::seed_plugins_ini() + strict + broken_plugin(dir));

    const auto health = send_request(host.port(), "GET", "/healthz");
    EXPECT_EQ(health.status, 503) << health.body;
    EXPECT_TRUE(health.body.starts_with(R"({"status":"degraded","plugins":["first","second","third"],)"
                                        R"("missing":["broken"],"refused":[{"plugin":"broken",)"))
        << health.body;
    EXPECT_EQ(test_support::post_json(host.port(), "/first", test_support::seed_body("f")).status, 200);

    reload_with(host, test_support::seed_plugins_ini() + strict);  // the broken plugin taken out
    EXPECT_TRUE(test_support::eventually([&] { return send_request(host.port(), "GET", "/healthz").status == 200; }));
}

TEST(Health, AReloadAddingAPluginLeavesTheHostReadyWhileThePluginLoads) {
    HostProcess host(0);
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    host.rewrite_config(0, test_support::seed_plugins_ini() + "[plugin.slow]\nlibrary = " +
                               test_paths::kSlowRegistrationPlugin + "\nblock_ms = 1500\n");
    host.signal(SIGHUP);
    ASSERT_TRUE(host.wait_for_output("register_endpoints() blocks for 1500 ms")) << host.output();

    // Registering: the plugin is not serving yet, and the host is ready all the same.
    const auto during = send_request(host.port(), "GET", "/healthz");
    EXPECT_EQ(during.status, 200) << during.body;
    EXPECT_EQ(during.body, R"({"status":"ok","plugins":["first","second","third"]})");
    EXPECT_FALSE(host.output().find("register_endpoints() returns") != std::string::npos)
        << "the registration was over before /healthz was asked";

    EXPECT_TRUE(test_support::eventually([&] {
        return send_request(host.port(), "GET", "/healthz").body ==
               R"({"status":"ok","plugins":["first","second","third","slow"]})";
    })) << host.output();
    EXPECT_EQ(test_support::post_json(host.port(), "/slow", "{}").body, R"({"slow":"ready"})");
}

}  // namespace
