// A change of the configuration is applied as a whole: the whole next route table is built
// from every plugin and published at once, as --check-config builds it (the same code, on an
// empty manager), so that routes moving between plugins in one edit are neither refused nor
// missing for a moment.
#include "plugins/plugin_manager.hpp"

#include <gtest/gtest.h>

#include "app/config_check.hpp"
#include "services/repository_service.hpp"
#include "support/log_capture.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <atomic>
#include <thread>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;

PluginConfig seed(const std::string& name, const std::string& route) {
    const std::string library = name == "first" ? test_paths::kFirstPlugin : test_paths::kSecondPlugin;
    return test_support::plugin_config(name, library, {{"route", route}});
}

class PluginManagerChangeTest : public ::testing::Test {
protected:
    /// The plugin serving POST `path`, or "" if none does.
    std::string served_by(const std::string& path) const {
        const RouteTable::Match match = router_.find("POST", path);
        return match.endpoint ? match.endpoint->plugin_name : "";
    }

    /// What --check-config says of `plugins`: its problems, none if it accepts them.
    std::vector<std::string> check(const std::vector<PluginConfig>& plugins) const {
        HostConfig config;
        config.plugin_loading.shadow_parent = shadow_.path();
        config.plugins = plugins;
        return check_plugins(config).problems;
    }

    test_support::LogCapture log_;
    test_support::TempDir shadow_;
    Router router_;
    std::shared_ptr<RepositoryService> repository_ =
        std::make_shared<RepositoryService>(0ms, Poco::Logger::get("host.repository"));
    PluginManager manager_{router_, repository_, shadow_.path(), Poco::Logger::get("host.plugins")};
};

TEST_F(PluginManagerChangeTest, ARouteTakenOverFromAPluginThatMovesOnInTheSameEditIsAppliedAsTheCheckAcceptedIt) {
    manager_.load_all({seed("first", "/a"), seed("second", "/b")});
    const std::vector<PluginConfig> edited{seed("first", "/b"), seed("second", "/c")};
    ASSERT_TRUE(check(edited).empty()) << ::testing::PrintToString(check(edited));

    const ReloadReport report = manager_.apply(edited);
    EXPECT_TRUE(report.refused.empty()) << report.refused[0].second;
    EXPECT_EQ(report.loaded, (std::vector<std::string>{"first", "second"}));
    EXPECT_EQ(served_by("/a"), "");
    EXPECT_EQ(served_by("/b"), "first");
    EXPECT_EQ(served_by("/c"), "second");
}

TEST_F(PluginManagerChangeTest, TwoPluginsExchangingTheirRoutesIsAppliedAsTheCheckAcceptedIt) {
    manager_.load_all({seed("first", "/a"), seed("second", "/b")});
    const std::vector<PluginConfig> exchanged{seed("first", "/b"), seed("second", "/a")};
    ASSERT_TRUE(check(exchanged).empty());

    const ReloadReport report = manager_.apply(exchanged);
    EXPECT_TRUE(report.ok()) << (report.refused.empty() ? "" : report.refused[0].second);
    EXPECT_EQ(served_by("/a"), "second");
    EXPECT_EQ(served_by("/b"), "first");
    const auto status = manager_.status();
    EXPECT_EQ(status[0].routes, std::vector<std::string>{"POST /b"});
    EXPECT_EQ(status[1].routes, std::vector<std::string>{"POST /a"});
}

TEST_F(PluginManagerChangeTest, NoLookupDuringAChangeMissesARouteThatExistsBeforeAndAfterIt) {
    manager_.load_all({seed("first", "/a"), seed("second", "/b")});
    std::atomic<bool> done{false};
    std::atomic<int> lookups{0};
    std::atomic<int> missed{0};
    std::thread requests([&] {
        while (!done) {
            for (const char* path : {"/a", "/b"}) {
                if (router_.find("POST", path).outcome != RouteTable::Outcome::found) ++missed;
            }
            ++lookups;
        }
    });
    int applied = 0;
    for (int round = 0; round < 20; ++round) {
        const bool even = round % 2 == 0;
        applied += manager_.apply({seed("first", even ? "/b" : "/a"), seed("second", even ? "/a" : "/b")}).ok();
    }
    done = true;
    requests.join();
    EXPECT_EQ(applied, 20);
    EXPECT_EQ(missed, 0) << "of " << lookups << " lookups";
    EXPECT_EQ(served_by("/a"), "first");  // twenty exchanges: back where it started
}

TEST_F(PluginManagerChangeTest, AnEditTheCheckRefusesKeepsWhatServesAndRefusesTheSamePlugin) {
    manager_.load_all({seed("first", "/a"), seed("second", "/b")});
    const std::vector<PluginConfig> clashing{seed("first", "/a"), seed("second", "/a")};
    const std::vector<std::string> problems = check(clashing);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("POST /a of plugin 'first' and POST /a of plugin 'second' are the same route"),
              std::string::npos)
        << problems[0];

    const ReloadReport report = manager_.apply(clashing);
    ASSERT_EQ(report.refused.size(), 1u);
    EXPECT_EQ(report.refused[0].first, "second");
    EXPECT_EQ(served_by("/a"), "first");
    EXPECT_EQ(served_by("/b"), "second");  // its version serving stays
    EXPECT_TRUE(log_.contains_text("are the same route; generation 1 keeps serving"));
}

}  // namespace
}  // namespace plugin_host
