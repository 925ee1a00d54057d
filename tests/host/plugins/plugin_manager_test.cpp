#include "plugins/plugin_manager.hpp"

#include <gtest/gtest.h>

#include "support/call_handler.hpp"
#include "support/test_host.hpp"

#include "services/repository_service.hpp"
#include "support/log_capture.hpp"
#include "support/plugin_files.hpp"
#include "support/temp_dir.hpp"
#include "test_paths.hpp"

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using test_support::publish_by_rename;

PluginConfig plugin(std::string name, std::filesystem::path library,
                    std::map<std::string, std::string, std::less<>> settings = {}) {
    return test_support::plugin_config(std::move(name), std::move(library), std::move(settings));
}

class PluginManagerTest : public ::testing::Test {
protected:
    /// The body /swap answers now (the version serving), or "" if nothing serves it.
    std::string swap_answer() {
        const RouteTable::Match match = router_.find("POST", "/swap");
        return match.endpoint ? test_support::call_handler(match.endpoint, "{}").body : "";
    }

    ReloadReport reload_changed() {
        std::optional<std::chrono::system_clock::time_point> recheck_at;
        return manager_.reload_changed_files(0ms, "test", recheck_at);
    }

    test_support::LogCapture log_;
    test_support::TempDir shadow_;
    test_support::TempDir published_;
    Router router_;
    std::shared_ptr<RepositoryService> repository_ =
        std::make_shared<RepositoryService>(0ms, Poco::Logger::get("host.repository"));
    PluginManager manager_{router_, repository_, shadow_.path(), Poco::Logger::get("host.plugins")};
};

TEST_F(PluginManagerTest, LoadsEveryPluginAndPublishesTheirRoutes) {
    manager_.load_all({plugin("first", test_paths::kFirstPlugin), plugin("second", test_paths::kSecondPlugin),
                       plugin("third", test_paths::kThirdPlugin)});

    for (const char* path : {"/first", "/second", "/third"}) {
        EXPECT_EQ(router_.find("POST", path).outcome, RouteTable::Outcome::found) << path;
    }
    const std::vector<PluginStatus> status = manager_.status();
    ASSERT_EQ(status.size(), 3u);
    EXPECT_EQ(status[0].name, "first");
    EXPECT_TRUE(status[0].loaded);
    EXPECT_EQ(status[0].generation, 1u);
    EXPECT_EQ(status[0].routes, std::vector<std::string>{"POST /first"});
    EXPECT_FALSE(status[0].last_refusal);
    EXPECT_TRUE(log_.contains_text("Loaded plugin 'second' generation 1 from "));
}

TEST_F(PluginManagerTest, TwoPluginsClaimingOnePathAreRefused) {
    try {
        manager_.load_all({plugin("first", test_paths::kFirstPlugin),
                           plugin("second", test_paths::kSecondPlugin, {{"route", "/first"}})});
        FAIL() << "the conflict was not refused";
    } catch (const PluginRefused& refused) {
        EXPECT_EQ(std::string(refused.what()),
                  std::string("plugin 'second' (") + test_paths::kSecondPlugin +
                      "): POST /first of plugin 'first' and POST /first of plugin 'second' are the same route");
    }
    EXPECT_TRUE(log_.contains_text("Refused plugin 'second'"));
}

TEST_F(PluginManagerTest, OtherContractVersionIsRefusedAndLoggedNamingBothVersions) {
    EXPECT_THROW(manager_.load_all({plugin("future", test_paths::kContractV99Plugin)}), PluginRefused);
    EXPECT_TRUE(log_.contains_text("was built for plugin contract 99, this host speaks contract 2.3"));
}

TEST_F(PluginManagerTest, OptionalPluginThatCannotBeLoadedIsLeftOutUntilItsFileAppears) {
    const std::filesystem::path file = published_ / "swap.so";
    PluginConfig optional = plugin("swap", file);
    optional.optional = true;
    manager_.load_all({plugin("first", test_paths::kFirstPlugin), optional});

    EXPECT_EQ(router_.find("POST", "/first").outcome, RouteTable::Outcome::found);
    const std::vector<PluginStatus> status = manager_.status();
    ASSERT_EQ(status.size(), 2u);
    EXPECT_FALSE(status[1].loaded);
    ASSERT_TRUE(status[1].last_refusal.has_value());
    EXPECT_EQ(status[1].last_refusal->reason, "plugin 'swap' (" + file.string() + "): no such file");
    EXPECT_TRUE(log_.contains("host.plugins: Starting without the optional plugin 'swap'; /healthz reports it missing"));

    publish_by_rename(test_paths::kSwapV1Plugin, file);
    EXPECT_EQ(reload_changed().loaded, std::vector<std::string>{"swap"});
    EXPECT_EQ(swap_answer(), R"({"version":"v1"})");
}

TEST_F(PluginManagerTest, PluginThatIsNotOptionalStopsStartUp) {
    EXPECT_THROW(manager_.load_all({plugin("first", test_paths::kFirstPlugin), plugin("swap", published_ / "swap.so")}),
                 PluginRefused);
}

TEST_F(PluginManagerTest, NewVersionThatCannotBeTrustedIsRefusedUntilItsPermissionsAreFixed) {
    const std::filesystem::path file = published_ / "swap.so";
    publish_by_rename(test_paths::kSwapV1Plugin, file);
    manager_.load_all({plugin("swap", file)});

    publish_by_rename(test_paths::kSwapV2Plugin, file);
    std::filesystem::permissions(file, std::filesystem::perms(0666));
    const ReloadReport refused = reload_changed();
    ASSERT_EQ(refused.refused.size(), 1u);
    EXPECT_EQ(refused.refused[0].second, "plugin 'swap' (" + file.string() +
                                             "): not trusted: the file is writable by its group and others (mode 0666) "
                                             "([plugins] allow_untrusted_files = true would accept it)");
    EXPECT_EQ(swap_answer(), R"({"version":"v1"})");

    std::filesystem::permissions(file, std::filesystem::perms(0644));  // a new ctime: tried again
    EXPECT_EQ(reload_changed().loaded, std::vector<std::string>{"swap"});
    EXPECT_EQ(swap_answer(), R"({"version":"v2"})");
}

TEST_F(PluginManagerTest, ShadowFolderInAFolderOthersCanWriteIsRefused) {
    const test_support::TempDir open_folder;
    std::filesystem::permissions(open_folder.path(), std::filesystem::perms(0777));
    try {
        PluginManager manager(router_, repository_, open_folder.path(), Poco::Logger::get("host.plugins"));
        FAIL() << "a shadow folder in a folder anyone can write was accepted";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find("[plugins] shadow_dir: cannot keep private plugin copies in " +
                                                 open_folder.path().string() + ": its folder"),
                  std::string::npos)
            << error.what();
    }
}

TEST_F(PluginManagerTest, NeverMapsThePublishedFileAndLeavesNoImageOnDisk) {
    manager_.load_all({plugin("first", test_paths::kFirstPlugin)});
    EXPECT_EQ(test_support::mapped_files_under(test_paths::kFirstPlugin), 0u);
    EXPECT_EQ(test_support::mapped_files_under(manager_.shadow_folder()), 1u);
    EXPECT_TRUE(std::filesystem::is_empty(manager_.shadow_folder()));
}

TEST_F(PluginManagerTest, ChangedFileIsSwappedAndTheOldVersionUnloadedOnceReleased) {
    const auto file = published_ / "swap.so";
    publish_by_rename(test_paths::kSwapV1Plugin, file);
    manager_.load_all({plugin("swap", file)});
    EXPECT_EQ(swap_answer(), R"({"version":"v1"})");

    RouteTable::Match held = router_.find("POST", "/swap");  // a request still inside v1
    publish_by_rename(test_paths::kSwapV2Plugin, file);
    const ReloadReport report = reload_changed();
    EXPECT_EQ(report.loaded, std::vector<std::string>{"swap"});
    EXPECT_EQ(swap_answer(), R"({"version":"v2"})");
    EXPECT_EQ(test_support::call_handler(held.endpoint, "{}").body, R"({"version":"v1"})");

    auto status = manager_.status();
    EXPECT_EQ(status[0].generation, 2u);
    ASSERT_EQ(status[0].draining.size(), 1u);
    EXPECT_EQ(status[0].draining[0].generation, 1u);
    EXPECT_EQ(manager_.unload_drained(), 1u);  // still held
    EXPECT_EQ(test_support::mapped_files_under(manager_.shadow_folder()), 2u);

    held.endpoint.reset();  // the request returns
    EXPECT_EQ(manager_.unload_drained(), 0u);
    EXPECT_TRUE(manager_.status()[0].draining.empty());
    EXPECT_EQ(test_support::mapped_files_under(manager_.shadow_folder()), 1u);
    EXPECT_TRUE(log_.contains("host.plugins: Unloaded plugin 'swap' generation 1"));
}

TEST_F(PluginManagerTest, UnchangedContentIsNotReloaded) {
    const auto file = published_ / "swap.so";
    publish_by_rename(test_paths::kSwapV1Plugin, file);
    manager_.load_all({plugin("swap", file)});

    EXPECT_TRUE(reload_changed().unchanged.empty());  // nothing changed: not even looked at
    publish_by_rename(test_paths::kSwapV1Plugin, file);  // a new inode with the same bytes
    const ReloadReport report = reload_changed();
    EXPECT_EQ(report.unchanged, std::vector<std::string>{"swap"});
    EXPECT_TRUE(report.loaded.empty());
    EXPECT_EQ(manager_.status()[0].generation, 1u);
}

TEST_F(PluginManagerTest, RefusedVersionKeepsTheOldOneServingAndIsNotRetriedUntilItChanges) {
    const auto file = published_ / "swap.so";
    publish_by_rename(test_paths::kSwapV1Plugin, file);
    manager_.load_all({plugin("swap", file)});

    publish_by_rename(test_paths::kContractV99Plugin, file);
    ReloadReport report = reload_changed();
    ASSERT_EQ(report.refused.size(), 1u);
    EXPECT_NE(report.refused[0].second.find("contract 99"), std::string::npos);
    EXPECT_EQ(swap_answer(), R"({"version":"v1"})");
    const auto status = manager_.status();
    ASSERT_TRUE(status[0].last_refusal);
    EXPECT_NE(status[0].last_refusal->reason.find("contract 99"), std::string::npos);
    EXPECT_TRUE(log_.contains_text("; generation 1 keeps serving"));

    report = reload_changed();  // the same broken file: not tried again
    EXPECT_TRUE(report.refused.empty());

    publish_by_rename(test_paths::kSwapV2Plugin, file);
    EXPECT_EQ(reload_changed().loaded, std::vector<std::string>{"swap"});
    EXPECT_EQ(swap_answer(), R"({"version":"v2"})");
}

TEST_F(PluginManagerTest, NewVersionClaimingAnotherPluginsPathIsRefused) {
    const auto file = published_ / "swap.so";
    publish_by_rename(test_paths::kSwapV1Plugin, file);
    manager_.load_all({plugin("first", test_paths::kFirstPlugin), plugin("swap", file)});

    publish_by_rename(test_paths::kClaimsFirstPlugin, file);
    const ReloadReport report = reload_changed();
    ASSERT_EQ(report.refused.size(), 1u);
    EXPECT_NE(report.refused[0].second.find("POST /first of plugin 'first' and POST /first of plugin 'swap' are the same route"),
              std::string::npos);
    EXPECT_EQ(swap_answer(), R"({"version":"v1"})");
    EXPECT_EQ(router_.find("POST", "/first").endpoint->plugin_name, "first");
}

TEST_F(PluginManagerTest, FileStillSettlingIsLeftForLater) {
    const auto file = published_ / "swap.so";
    publish_by_rename(test_paths::kSwapV1Plugin, file);
    manager_.load_all({plugin("swap", file)});
    publish_by_rename(test_paths::kSwapV2Plugin, file);

    std::optional<std::chrono::system_clock::time_point> recheck_at;
    const ReloadReport report = manager_.reload_changed_files(60s, "test", recheck_at);
    EXPECT_TRUE(report.loaded.empty());
    ASSERT_TRUE(recheck_at);
    EXPECT_GT(*recheck_at, std::chrono::system_clock::now() + 50s);
    EXPECT_EQ(swap_answer(), R"({"version":"v1"})");
}

TEST_F(PluginManagerTest, ApplyAddsRemovesAndReconfiguresPlugins) {
    manager_.load_all({plugin("first", test_paths::kFirstPlugin), plugin("second", test_paths::kSecondPlugin)});

    const ReloadReport report = manager_.apply({plugin("first", test_paths::kFirstPlugin, {{"route", "/one"}}),
                                                plugin("third", test_paths::kThirdPlugin)});
    EXPECT_EQ(report.removed, std::vector<std::string>{"second"});
    EXPECT_EQ(report.loaded, (std::vector<std::string>{"first", "third"}));
    EXPECT_TRUE(report.ok());
    EXPECT_EQ(router_.find("POST", "/first").outcome, RouteTable::Outcome::not_found);
    EXPECT_EQ(router_.find("POST", "/one").outcome, RouteTable::Outcome::found);
    EXPECT_EQ(router_.find("POST", "/second").outcome, RouteTable::Outcome::not_found);
    EXPECT_EQ(router_.find("POST", "/third").outcome, RouteTable::Outcome::found);

    const auto status = manager_.status();
    ASSERT_EQ(status.size(), 3u);
    EXPECT_EQ(status[0].name, "first");
    EXPECT_EQ(status[0].generation, 2u);
    EXPECT_EQ(status[1].name, "third");
    EXPECT_EQ(status[2].name, "second");  // removed, draining until unloaded
    EXPECT_FALSE(status[2].configured);
    EXPECT_EQ(status[2].draining.size(), 1u);

    EXPECT_EQ(manager_.unload_drained(), 0u);
    EXPECT_EQ(manager_.status().size(), 2u);
    const ReloadReport again = manager_.apply({plugin("first", test_paths::kFirstPlugin, {{"route", "/one"}}),
                                               plugin("third", test_paths::kThirdPlugin)});
    EXPECT_EQ(again.unchanged, (std::vector<std::string>{"first", "third"}));
}

TEST_F(PluginManagerTest, ApplyWithARefusedNewPluginKeepsTheOthersServing) {
    manager_.load_all({plugin("first", test_paths::kFirstPlugin)});
    const ReloadReport report = manager_.apply(
        {plugin("first", test_paths::kFirstPlugin), plugin("broken", test_paths::kFailingRegistrationPlugin)});
    EXPECT_FALSE(report.ok());
    ASSERT_EQ(report.refused.size(), 1u);
    EXPECT_EQ(report.refused[0].first, "broken");
    EXPECT_EQ(router_.find("POST", "/first").outcome, RouteTable::Outcome::found);
    const auto status = manager_.status();
    ASSERT_EQ(status.size(), 2u);
    EXPECT_FALSE(status[1].loaded);
    EXPECT_TRUE(status[1].last_refusal);
}

TEST_F(PluginManagerTest, DestructionClearsTheRoutesAndTheShadowFolder) {
    std::filesystem::path shadow;
    {
        PluginManager manager(router_, repository_, shadow_.path(), Poco::Logger::get("host.plugins"));
        manager.load_all({plugin("first", test_paths::kFirstPlugin)});
        shadow = manager.shadow_folder();
        EXPECT_EQ(router_.find("POST", "/first").outcome, RouteTable::Outcome::found);
    }
    EXPECT_EQ(router_.find("POST", "/first").outcome, RouteTable::Outcome::not_found);
    EXPECT_FALSE(std::filesystem::exists(shadow));
    EXPECT_EQ(test_support::mapped_files_under(shadow), 0u);
}

}  // namespace
}  // namespace plugin_host
