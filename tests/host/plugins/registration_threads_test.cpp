// A plugin's registration runs on a thread of its own: one that outlives its time limit is
// refused and abandoned, never unloaded; a stop abandons it at once.
#include "plugins/plugin_manager.hpp"

#include <gtest/gtest.h>

#include "services/repository_service.hpp"
#include "support/eventually.hpp"
#include "support/log_capture.hpp"
#include "support/plugin_files.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <future>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using test_support::eventually;

/// The slow plugin, blocking `block_ms` in register_endpoints(); optional, so that a refusal
/// does not throw.
PluginConfig slow_plugin(std::chrono::milliseconds block) {
    PluginConfig config = test_support::plugin_config("slow", test_paths::kSlowRegistrationPlugin,
                                                      {{"block_ms", std::to_string(block.count())}});
    config.optional = true;
    return config;
}

class RegistrationThreadsTest : public ::testing::Test {
protected:
    /// A manager whose loads may take `limit`.
    PluginManager& manager(std::chrono::milliseconds limit) {
        registrations_ = std::make_shared<RegistrationThreads>(limit);
        return manager_.emplace(router_, repository_, shadow_.path(), Poco::Logger::get("host.plugins"), PluginTrust{},
                                registrations_);
    }

    /// Waits until the abandoned load's thread has returned (the plugin says so, then the host).
    bool abandoned_load_returned() {
        return eventually([this] { return registrations_->abandoned_running().empty(); }, 20s);
    }

    test_support::LogCapture log_;
    test_support::TempDir shadow_;
    Router router_;
    std::shared_ptr<RepositoryService> repository_ =
        std::make_shared<RepositoryService>(0ms, Poco::Logger::get("host.repository"));
    std::shared_ptr<RegistrationThreads> registrations_;
    std::optional<PluginManager> manager_;
};

TEST_F(RegistrationThreadsTest, ALoadPastItsTimeLimitIsRefusedAndItsLibraryStaysMappedAfterItReturns) {
    PluginManager& plugins = manager(300ms);
    const auto started = std::chrono::steady_clock::now();
    plugins.load_all({test_support::plugin_config("first", test_paths::kFirstPlugin), slow_plugin(2500ms)});
    const auto took = std::chrono::steady_clock::now() - started;

    EXPECT_LT(took, test_support::scaled(2000ms)) << "the load waited for the plugin";
    EXPECT_EQ(router_.find("POST", "/first").outcome, RouteTable::Outcome::found);
    EXPECT_EQ(router_.find("POST", "/slow").outcome, RouteTable::Outcome::not_found);
    const std::vector<PluginStatus> status = plugins.status();
    ASSERT_EQ(status.size(), 2u);
    EXPECT_FALSE(status[1].loaded);
    ASSERT_TRUE(status[1].last_refusal);
    EXPECT_EQ(status[1].last_refusal->reason,
              std::string("plugin 'slow' (") + test_paths::kSlowRegistrationPlugin +
                  "): did not finish loading (its library's initialisation, its factory and its register_endpoints()) "
                  "within 300 ms ([plugins] registration_timeout_ms); abandoned, its code stays loaded");
    EXPECT_EQ(registrations_->abandoned_running().size(), 1u);

    ASSERT_TRUE(abandoned_load_returned());
    EXPECT_TRUE(eventually([this] { return log_.contains_text("The abandoned load of plugin 'slow'"); }));
    EXPECT_TRUE(log_.contains("plugin.slow: register_endpoints() returns"));
    // Two images mapped: first's, and the abandoned one's, kept for the rest of the process.
    EXPECT_EQ(test_support::mapped_files_under(plugins.shadow_folder()), 2u);
    EXPECT_EQ(router_.find("POST", "/slow").outcome, RouteTable::Outcome::not_found);
}

TEST_F(RegistrationThreadsTest, AStopAbandonsALoadInProgressAtOnceAndRefusesLaterOnes) {
    PluginManager& plugins = manager(std::chrono::hours(1));
    auto loading = std::async(std::launch::async, [&plugins] { plugins.load_all({slow_plugin(2000ms)}); });
    ASSERT_TRUE(eventually([this] { return log_.contains("plugin.slow: register_endpoints() blocks for 2000 ms"); }));

    plugins.abandon_loads("the test stops");
    ASSERT_EQ(loading.wait_for(test_support::scaled(1000ms)), std::future_status::ready) << "the stop waited for it";
    EXPECT_FALSE(log_.contains("plugin.slow: register_endpoints() returns")) << "the stop waited for it";
    ASSERT_TRUE(plugins.status()[0].last_refusal);
    EXPECT_EQ(plugins.status()[0].last_refusal->reason, std::string("plugin 'slow' (") +
                                                            test_paths::kSlowRegistrationPlugin +
                                                            "): abandoned while it was loading: the test stops");

    const ReloadReport later = plugins.apply({test_support::plugin_config("first", test_paths::kFirstPlugin)});
    ASSERT_EQ(later.refused.size(), 1u);
    EXPECT_EQ(later.refused[0].second, std::string("plugin 'first' (") + test_paths::kFirstPlugin +
                                           "): not loaded: the test stops");
    EXPECT_TRUE(abandoned_load_returned());
}

}  // namespace
}  // namespace plugin_host
