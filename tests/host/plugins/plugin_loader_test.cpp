#include "plugins/plugin_loader.hpp"

#include <gtest/gtest.h>

#include "services/repository_service.hpp"
#include "support/call_handler.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <dlfcn.h>
#include <stdlib.h>

#include <fstream>

namespace plugin_host {
namespace {

class PluginLoaderTest : public ::testing::Test {
protected:
    static PluginConfig config(std::string name, std::filesystem::path library,
                               std::map<std::string, std::string, std::less<>> settings = {}) {
        return test_support::plugin_config(std::move(name), std::move(library), std::move(settings));
    }

    std::string refusal(const PluginConfig& plugin) {
        try {
            load_plugin(plugin, plugin.library, 1, services_);
        } catch (const PluginRefused& refused) {
            return refused.what();
        }
        return "loaded";
    }

    PluginServices services_{
        std::make_shared<RepositoryService>(std::chrono::milliseconds(0), Poco::Logger::get("test.repository"))};
};

TEST_F(PluginLoaderTest, SeedPluginRegistersItsEndpointThatCallsTheRepository) {
    const PluginLoad load = load_plugin(config("first", test_paths::kFirstPlugin), test_paths::kFirstPlugin, 7, services_);
    ASSERT_EQ(load.endpoints.size(), 1u);
    const Endpoint& endpoint = *load.endpoints[0];
    EXPECT_EQ(endpoint.method, "POST");
    EXPECT_EQ(endpoint.path.text(), "/first");
    EXPECT_EQ(endpoint.plugin_name, "first");
    EXPECT_EQ(endpoint.plugin, load.plugin);
    EXPECT_EQ(load.plugin->generation(), 7u);
    EXPECT_EQ(load.plugin->file(), test_paths::kFirstPlugin);

    const HttpResponse reply = test_support::call_handler(load.endpoints[0], R"({"info":{"sequence":"first"}})");
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, R"({"result":"first_first,first_second Executed"})");
}

TEST_F(PluginLoaderTest, EachSeedPluginUsesItsOwnNames) {
    const PluginLoad third = load_plugin(config("third", test_paths::kThirdPlugin), test_paths::kThirdPlugin, 1, services_);
    EXPECT_EQ(third.endpoints[0]->path.text(), "/third");
    EXPECT_EQ(test_support::call_handler(third.endpoints[0], R"({"info":{"sequence":"third"}})").body,
              R"({"result":"third_first,third_second Executed"})");
}

TEST_F(PluginLoaderTest, RouteSettingMovesTheEndpoint) {
    const PluginLoad load =
        load_plugin(config("second", test_paths::kSecondPlugin, {{"route", "/performance-test/second"}}),
                    test_paths::kSecondPlugin, 1, services_);
    EXPECT_EQ(load.endpoints[0]->path.text(), "/performance-test/second");
}

TEST_F(PluginLoaderTest, APluginBuiltAgainstTheFrozen20HeaderLoadsAndServes) {
    const PluginLoad load = load_plugin(config("frozen", test_paths::kFrozenV2_0Plugin, {{"tag", "old"}}),
                                        test_paths::kFrozenV2_0Plugin, 1, services_);
    ASSERT_EQ(load.endpoints.size(), 1u);
    EXPECT_EQ(load.endpoints[0]->label(), "GET /frozen/{name}");
    const HttpResponse reply = test_support::call_handler(load.endpoints[0], "", "", {{"name", "ann"}});
    EXPECT_EQ(reply.body, "hello, ann (repository: frozen Executed)");
    EXPECT_EQ(reply.content_type, "text/plain");
}

TEST_F(PluginLoaderTest, AKeyOfItsSectionThePluginNeverReadsRefusesItNamingFileLineAndKey) {
    EXPECT_EQ(refusal(config("first", test_paths::kFirstPlugin, {{"rout", "/x"}})),
              std::string("plugin 'first' (") + test_paths::kFirstPlugin +
                  "): test.ini:2: [plugin.first] rout: unknown key (first reads: route)");
    EXPECT_EQ(refusal(config("first", test_paths::kFirstPlugin, {{"library", "x"}, {"optional", "true"}})), "loaded");
}

TEST_F(PluginLoaderTest, ASettingOfTheWrongTypeRefusesThePlugin) {
    EXPECT_EQ(refusal(config("kv", test_paths::kKvPlugin, {{"max_keys", "lots"}})),
              std::string("plugin 'kv' (") + test_paths::kKvPlugin +
                  "): test.ini:2: [plugin.kv] max_keys: \"lots\" is not a whole number from 1 to 100000000");
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

TEST_F(PluginLoaderTest, ReasonNamesThePublishedFileNotThePrivateCopy) {
    test_support::TempDir dir;
    std::filesystem::copy_file(test_paths::kUnresolvedSymbolPlugin, dir / "copy.so");
    std::string reason;
    try {
        load_plugin(config("lazy", "/srv/plugins/lazy.so"), dir / "copy.so", 1, services_);
    } catch (const PluginRefused& refused) {
        reason = refused.what();
    }
    EXPECT_NE(reason.find("/srv/plugins/lazy.so: undefined symbol"), std::string::npos) << reason;
    EXPECT_EQ(reason.find("copy.so"), std::string::npos) << reason;
}

TEST_F(PluginLoaderTest, HostPathsCannotBeClaimed) {
    for (const auto& [path, why] : std::vector<std::pair<std::string, std::string>>{
             {"/healthz", "is the host's own /healthz"},
             {"/metrics", "is the host's own /metrics"},
             {"/admin/reload", "is under the host's own /admin/"},
             {"/admin/{anything...}", "is under the host's own /admin/"}}) {
        EXPECT_EQ(refusal(config("first", test_paths::kFirstPlugin, {{"route", path}})),
                  std::string("plugin 'first' (") + test_paths::kFirstPlugin + "): route POST " + path + " " + why);
    }
    EXPECT_EQ(refusal(config("first", test_paths::kFirstPlugin, {{"route", "/healthz/{x}"}})), "loaded");
    EXPECT_EQ(refusal(config("first", test_paths::kFirstPlugin, {{"route", "/{anything}"}})), "loaded");
}

TEST_F(PluginLoaderTest, InvalidTemplatesAreRefusedNamingTheTemplate) {
    for (const auto& [path, why] : std::vector<std::pair<std::string, std::string>>{
             {"first", "must start with '/'"},
             {"/a b", "has a character a path cannot hold"},
             {"/a?b", "has a character a path cannot hold"},
             {"/a/{", "has a parameter that does not end its segment with '}'"},
             {"/{id}{x}", "has a parameter whose name is not a letter or '_' followed by letters, digits or '_'"},
             {"/{id}/{id}", "names the parameter 'id' twice"},
             {"/{rest...}/x", "has a catch-all that is not its last segment"}}) {
        EXPECT_EQ(refusal(config("first", test_paths::kFirstPlugin, {{"route", path}})),
                  std::string("plugin 'first' (") + test_paths::kFirstPlugin + "): path template \"" + path + "\" " +
                      why);
    }
}

// Mapping a shared object runs its static constructors: the contract check must come from
// the file alone. The plugin creates the marker file from its static constructor.
TEST_F(PluginLoaderTest, APluginOfAnotherContractIsRefusedBeforeAnyOfItsCodeRuns) {
    test_support::TempDir dir;
    const std::filesystem::path marker = dir / "constructed";
    ASSERT_EQ(::setenv("PLUGIN_HOST_TEST_CONSTRUCTOR_MARKER", marker.c_str(), 1), 0);

    EXPECT_EQ(refusal(config("marker", test_paths::kConstructorMarkerPlugin)),
              std::string("plugin 'marker' (") + test_paths::kConstructorMarkerPlugin +
                  "): was built for plugin contract 99, this host speaks contract 2.3 (rebuild the plugin against "
                  "this host's plugin_api)");
    EXPECT_FALSE(std::filesystem::exists(marker)) << "the plugin's static constructor ran";

    // The mark is what mapping the file leaves: the check above could have seen it.
    void* handle = ::dlopen(test_paths::kConstructorMarkerPlugin, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle, nullptr) << ::dlerror();
    ::dlclose(handle);
    EXPECT_TRUE(std::filesystem::exists(marker));
    ::unsetenv("PLUGIN_HOST_TEST_CONSTRUCTOR_MARKER");
}

struct Refusal {
    std::string name;
    std::string plugin;
    std::filesystem::path library;
    std::string reason;  ///< after "plugin '<plugin>' (<library>): "
};

class LoaderRefusal : public ::testing::TestWithParam<Refusal> {
protected:
    PluginServices services_{
        std::make_shared<RepositoryService>(std::chrono::milliseconds(0), Poco::Logger::get("test.repository"))};
};

TEST_P(LoaderRefusal, NamesThePluginItsFileAndWhy) {
    const Refusal& expected = GetParam();
    const PluginConfig plugin = test_support::plugin_config(expected.plugin, expected.library);
    try {
        load_plugin(plugin, plugin.library, 1, services_);
        FAIL() << "loaded";
    } catch (const PluginRefused& refused) {
        EXPECT_EQ(refused.what(),
                  "plugin '" + expected.plugin + "' (" + expected.library.string() + "): " + expected.reason);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LoaderRefusal,
    ::testing::Values(
        Refusal{"MissingFile", "ghost", "/nonexistent/ghost.so", "cannot be read"},
        Refusal{"UnresolvedSymbol", "lazy", test_paths::kUnresolvedSymbolPlugin,
                std::string("cannot be loaded: ") + test_paths::kUnresolvedSymbolPlugin +
                    ": undefined symbol: plugin_host_test_function_that_does_not_exist"},
        Refusal{"MissingFactory", "nofactory", test_paths::kNoFactoryPlugin,
                "is not an endpoint plugin: it does not export plugin_api_create (use PLUGIN_API_EXPORT)"},
        Refusal{"NoExports", "libm", "/lib/x86_64-linux-gnu/libm.so.6",
                "is not an endpoint plugin: it does not export plugin_api_contract_version (use PLUGIN_API_EXPORT)"},
        Refusal{"RegistrationThrows", "failing", test_paths::kFailingRegistrationPlugin,
                "failed to register its endpoints: database unreachable"},
        Refusal{"AnotherMajorContract", "future", test_paths::kContractV99Plugin,
                "was built for plugin contract 99, this host speaks contract 2.3 (rebuild the plugin against this "
                "host's plugin_api)"},
        Refusal{"ContractOne", "old", test_paths::kContractV1Plugin,
                "was built for plugin contract 1, this host speaks contract 2.3 (rebuild the plugin against this "
                "host's plugin_api)"},
        Refusal{"ANewerMinorContract", "newer", test_paths::kContractV2_9Plugin,
                "was built for plugin contract 2.9, this host speaks contract 2.3 (upgrade the host, or build the "
                "plugin against contract 2.3)"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace plugin_host
