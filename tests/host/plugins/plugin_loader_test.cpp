#include "plugins/plugin_loader.hpp"

#include <gtest/gtest.h>

#include "services/repository_service.hpp"
#include "support/temp_dir.hpp"
#include "test_paths.hpp"

#include <fstream>

namespace plugin_host {
namespace {

class PluginLoaderTest : public ::testing::Test {
protected:
    static PluginConfig config(std::string name, std::filesystem::path library,
                               std::map<std::string, std::string, std::less<>> settings = {}) {
        return PluginConfig{std::move(name), std::move(library), std::move(settings), "test.ini:1"};
    }

    std::string refusal(const PluginConfig& plugin) {
        try {
            load_plugin(plugin, plugin.library, 1, repository_);
        } catch (const PluginRefused& refused) {
            return refused.what();
        }
        return "loaded";
    }

    RepositoryService repository_{std::chrono::milliseconds(0), Poco::Logger::get("test.repository")};
};

TEST_F(PluginLoaderTest, SeedPluginRegistersItsEndpointThatCallsTheRepository) {
    const PluginLoad load = load_plugin(config("first", test_paths::kFirstPlugin), test_paths::kFirstPlugin, 7, repository_);
    ASSERT_EQ(load.endpoints.size(), 1u);
    const Endpoint& endpoint = *load.endpoints[0];
    EXPECT_EQ(endpoint.method, "POST");
    EXPECT_EQ(endpoint.path, "/first");
    EXPECT_EQ(endpoint.plugin_name, "first");
    EXPECT_EQ(endpoint.plugin, load.plugin);
    EXPECT_EQ(load.plugin->generation(), 7u);
    EXPECT_EQ(load.plugin->file(), test_paths::kFirstPlugin);

    const plugin_api::Reply reply = endpoint.callback({"first", "{}"});
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, R"({"result":"first_first,first_second Executed"})");
}

TEST_F(PluginLoaderTest, EachSeedPluginUsesItsOwnNames) {
    const PluginLoad third = load_plugin(config("third", test_paths::kThirdPlugin), test_paths::kThirdPlugin, 1, repository_);
    EXPECT_EQ(third.endpoints[0]->path, "/third");
    EXPECT_EQ(third.endpoints[0]->callback({"third", "{}"}).body,
              R"({"result":"third_first,third_second Executed"})");
}

TEST_F(PluginLoaderTest, RouteSettingMovesTheEndpoint) {
    const PluginLoad load =
        load_plugin(config("second", test_paths::kSecondPlugin, {{"route", "/performance-test/second"}}),
                    test_paths::kSecondPlugin, 1, repository_);
    EXPECT_EQ(load.endpoints[0]->path, "/performance-test/second");
}

TEST_F(PluginLoaderTest, OtherContractVersionIsRefusedNamingBothVersions) {
    EXPECT_EQ(refusal(config("future", test_paths::kContractV99Plugin)),
              std::string("plugin 'future' (") + test_paths::kContractV99Plugin +
                  "): was built for plugin contract version 99, this host speaks version 1");
}

TEST_F(PluginLoaderTest, MissingFileIsRefused) {
    EXPECT_EQ(refusal(config("ghost", "/nonexistent/ghost.so")),
              "plugin 'ghost' (/nonexistent/ghost.so): cannot be read");
}

TEST_F(PluginLoaderTest, FileThatIsNotElfIsRefusedBeforeDlopen) {
    test_support::TempDir dir;
    std::ofstream(dir / "text.so") << std::string(200, 'x');
    EXPECT_EQ(refusal(config("text", dir / "text.so")),
              "plugin 'text' (" + (dir / "text.so").string() + "): is not an ELF file");
}

TEST_F(PluginLoaderTest, TruncatedSharedObjectIsRefusedBeforeDlopen) {
    test_support::TempDir dir;
    const auto full_size = std::filesystem::file_size(test_paths::kSwapV2Plugin);
    for (const std::uintmax_t size : {std::uintmax_t{40}, std::uintmax_t{1000}, std::uintmax_t{4096},
                                      std::uintmax_t{12000}, full_size / 2, full_size - 1}) {
        std::filesystem::copy_file(test_paths::kSwapV2Plugin, dir / "swap.so",
                                   std::filesystem::copy_options::overwrite_existing);
        std::filesystem::resize_file(dir / "swap.so", size);
        const std::string reason = refusal(config("swap", dir / "swap.so"));
        EXPECT_TRUE(reason.find("is truncated") != std::string::npos ||
                    reason.find("is not an ELF file") != std::string::npos)
            << size << ": " << reason;
    }
}

TEST_F(PluginLoaderTest, UnresolvedSymbolIsRefusedAtLoadNamingTheSymbolAndThePublishedFile) {
    const std::string reason = refusal(config("lazy", test_paths::kUnresolvedSymbolPlugin));
    EXPECT_EQ(reason, std::string("plugin 'lazy' (") + test_paths::kUnresolvedSymbolPlugin +
                          "): cannot be loaded: " + test_paths::kUnresolvedSymbolPlugin +
                          ": undefined symbol: plugin_host_test_function_that_does_not_exist");
}

TEST_F(PluginLoaderTest, MissingFactoryIsRefused) {
    EXPECT_EQ(refusal(config("nofactory", test_paths::kNoFactoryPlugin)),
              std::string("plugin 'nofactory' (") + test_paths::kNoFactoryPlugin +
                  "): is not an endpoint plugin: it does not export plugin_api_create (use PLUGIN_API_EXPORT)");
}

TEST_F(PluginLoaderTest, ReasonNamesThePublishedFileNotThePrivateCopy) {
    test_support::TempDir dir;
    std::filesystem::copy_file(test_paths::kUnresolvedSymbolPlugin, dir / "copy.so");
    std::string reason;
    try {
        load_plugin(config("lazy", "/srv/plugins/lazy.so"), dir / "copy.so", 1, repository_);
    } catch (const PluginRefused& refused) {
        reason = refused.what();
    }
    EXPECT_NE(reason.find("/srv/plugins/lazy.so: undefined symbol"), std::string::npos) << reason;
    EXPECT_EQ(reason.find("copy.so"), std::string::npos) << reason;
}

TEST_F(PluginLoaderTest, SharedObjectWithoutTheExportsIsRefused) {
    EXPECT_EQ(refusal(config("libm", "/lib/x86_64-linux-gnu/libm.so.6")),
              "plugin 'libm' (/lib/x86_64-linux-gnu/libm.so.6): is not an endpoint plugin: it does "
              "not export plugin_api_contract_version (use PLUGIN_API_EXPORT)");
}

TEST_F(PluginLoaderTest, RegistrationThatThrowsIsRefusedWithItsMessage) {
    EXPECT_EQ(refusal(config("failing", test_paths::kFailingRegistrationPlugin)),
              std::string("plugin 'failing' (") + test_paths::kFailingRegistrationPlugin +
                  "): failed to register its endpoints: database unreachable");
}

TEST_F(PluginLoaderTest, HostPathsCannotBeClaimed) {
    for (const char* path : {"/healthz", "/metrics", "/admin/reload"}) {
        const std::string reason = refusal(config("first", test_paths::kFirstPlugin, {{"route", path}}));
        EXPECT_NE(reason.find(std::string("endpoint path \"") + path + "\" is reserved for the host"),
                  std::string::npos)
            << reason;
    }
}

TEST_F(PluginLoaderTest, MalformedPathsAreRefused) {
    for (const char* path : {"first", "/a b", "/a?b", ""}) {
        EXPECT_NE(refusal(config("first", test_paths::kFirstPlugin, {{"route", path}})), "loaded") << path;
    }
}

TEST(PluginLoader, HostPaths) {
    EXPECT_TRUE(is_host_path("/healthz"));
    EXPECT_TRUE(is_host_path("/metrics"));
    EXPECT_TRUE(is_host_path("/admin/plugins"));
    EXPECT_FALSE(is_host_path("/administrator"));
    EXPECT_FALSE(is_host_path("/first"));
}

}  // namespace
}  // namespace plugin_host
