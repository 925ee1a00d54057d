#include "plugins/plugin_manager.hpp"

#include <gtest/gtest.h>

#include "services/repository_service.hpp"
#include "support/log_capture.hpp"
#include "test_paths.hpp"

namespace plugin_host {
namespace {

PluginConfig plugin(std::string name, std::filesystem::path library,
                    std::map<std::string, std::string, std::less<>> settings = {}) {
    return PluginConfig{std::move(name), std::move(library), std::move(settings), "test.ini:1"};
}

class PluginManagerTest : public ::testing::Test {
protected:
    test_support::LogCapture log_;
    Router router_;
    RepositoryService repository_{std::chrono::milliseconds(0), Poco::Logger::get("host.repository")};
    PluginManager manager_{router_, repository_, Poco::Logger::get("host.plugins")};
};

TEST_F(PluginManagerTest, LoadsEveryPluginAndPublishesTheirRoutes) {
    manager_.load_all({plugin("first", test_paths::kFirstPlugin), plugin("second", test_paths::kSecondPlugin),
                       plugin("third", test_paths::kThirdPlugin)});

    for (const char* path : {"/first", "/second", "/third"}) {
        EXPECT_EQ(router_.find("POST", path).outcome, Router::Outcome::found) << path;
    }
    const std::vector<PluginStatus> status = manager_.status();
    ASSERT_EQ(status.size(), 3u);
    EXPECT_EQ(status[0].name, "first");
    EXPECT_TRUE(status[0].loaded);
    EXPECT_EQ(status[0].routes, std::vector<std::string>{"POST /first"});
    EXPECT_NE(status[0].generation, status[1].generation);
    EXPECT_TRUE(log_.contains_text("Loaded plugin 'second' generation"));
}

TEST_F(PluginManagerTest, TwoPluginsClaimingOnePathAreRefusedAndNothingIsPublished) {
    try {
        manager_.load_all({plugin("first", test_paths::kFirstPlugin),
                           plugin("second", test_paths::kSecondPlugin, {{"route", "/first"}})});
        FAIL() << "the conflict was not refused";
    } catch (const RouteConflict& conflict) {
        EXPECT_STREQ(conflict.what(), "POST /first is claimed by both plugin 'first' and plugin 'second'");
    }
    EXPECT_EQ(router_.find("POST", "/first").outcome, Router::Outcome::not_found);
    EXPECT_TRUE(log_.contains_text("Plugins refused: POST /first is claimed by both"));
}

TEST_F(PluginManagerTest, OtherContractVersionIsRefusedAndLoggedNamingBothVersions) {
    EXPECT_THROW(manager_.load_all({plugin("first", test_paths::kFirstPlugin),
                                    plugin("future", test_paths::kContractV99Plugin)}),
                 PluginRefused);
    EXPECT_TRUE(log_.contains_text("was built for plugin contract version 99, this host speaks version 1"));
    EXPECT_EQ(router_.find("POST", "/first").outcome, Router::Outcome::not_found);
}

TEST_F(PluginManagerTest, DestructionClearsTheRoutes) {
    {
        PluginManager manager(router_, repository_, Poco::Logger::get("host.plugins"));
        manager.load_all({plugin("first", test_paths::kFirstPlugin)});
        EXPECT_EQ(router_.find("POST", "/first").outcome, Router::Outcome::found);
    }
    EXPECT_EQ(router_.find("POST", "/first").outcome, Router::Outcome::not_found);
}

}  // namespace
}  // namespace plugin_host
