// Every default is stated once, in the configuration structs; the sample config/server.ini
// and the table of docs/configuration.md must say the same.
#include "config/host_config.hpp"

#include <gtest/gtest.h>

#include "test_paths.hpp"

#include <fstream>
#include <regex>

namespace plugin_host {
namespace {

/// A configuration that sets nothing but one plugin: every other value its default.
HostConfig defaults() { return read_host_config(IniFile::parse("[plugin.first]\nlibrary = first.so\n", "/etc/ph/x.ini")); }

TEST(Defaults, TheShippedServerIniSetsEveryKeyToItsDefault) {
    const HostConfig shipped = load_host_config(test_paths::kDefaultConfig);
    const HostConfig fallback = defaults();
    EXPECT_TRUE(shipped.server == fallback.server);
    EXPECT_EQ(shipped.repository_delay, fallback.repository_delay);
    EXPECT_TRUE(shipped.plugin_loading == fallback.plugin_loading);
    EXPECT_TRUE(shipped.admin == fallback.admin);
    EXPECT_TRUE(shipped.metrics == fallback.metrics);
}

TEST(Defaults, TheConfigurationPageListsTheDefaultsTheShippedServerIniStates) {
    std::ifstream page(test_paths::kConfigurationPage);
    ASSERT_TRUE(page) << test_paths::kConfigurationPage;
    const IniFile shipped = IniFile::load(test_paths::kDefaultConfig);
    // | `[server] port` | `8991` | ...: a key of the host's own sections with a literal default.
    const std::regex row(R"(^\| `\[(server|repository|plugins|admin|metrics)\] (\w+)` \| `([^`]*)` \|)");
    int rows = 0;
    for (std::string line; std::getline(page, line);) {
        std::smatch match;
        if (!std::regex_search(line, match, row)) continue;
        ++rows;
        const IniFile::Entry* entry = shipped.find(match[1].str() + "." + match[2].str());
        ASSERT_NE(entry, nullptr) << "config/server.ini does not show [" << match[1] << "] " << match[2];
        EXPECT_EQ(entry->value, match[3].str()) << "[" << match[1] << "] " << match[2];
    }
    EXPECT_GE(rows, 20);
}

}  // namespace
}  // namespace plugin_host
