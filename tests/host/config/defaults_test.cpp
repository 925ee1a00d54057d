// Every default is stated once, in the configuration structs (and BufferedAsyncChannel's
// members for its properties); the sample config/server.ini, the table of
// docs/configuration.md and the limits docs/security.md names must say the same.
#include "config/host_config.hpp"

#include <gtest/gtest.h>

#include "logging/buffered_async_channel.hpp"
#include "test_paths.hpp"

#include <Poco/AutoPtr.h>

#include <fstream>
#include <regex>
#include <set>

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

TEST(Defaults, TheShippedServerIniShowsTheLoggingChannelsDefaults) {
    const IniFile shipped = IniFile::load(test_paths::kDefaultConfig);
    const Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
    for (const char* property : {"interval_ms", "capacity"}) {
        const IniFile::Entry* entry = shipped.find(std::string("logging.channels.buffered.") + property);
        ASSERT_NE(entry, nullptr) << "config/server.ini does not show [logging.channels.buffered] " << property;
        EXPECT_EQ(entry->value, channel->getProperty(property)) << property;
    }
}

TEST(Defaults, TheConfigurationPageListsTheDefaultsTheShippedServerIniStates) {
    std::ifstream page(test_paths::kConfigurationPage);
    ASSERT_TRUE(page) << test_paths::kConfigurationPage;
    const IniFile shipped = IniFile::load(test_paths::kDefaultConfig);
    // | `[server] port` | `8991` | ...: a key of the host's own sections with a literal default.
    const std::regex row(
        R"(^\| `\[(server|repository|plugins|admin|metrics|logging\.channels\.buffered)\] (\w+)` \| `([^`]*)` \|)");
    int rows = 0;
    std::set<std::string> listed;
    for (std::string line; std::getline(page, line);) {
        std::smatch match;
        if (!std::regex_search(line, match, row)) continue;
        ++rows;
        listed.insert(match[1].str() + "." + match[2].str());
        const IniFile::Entry* entry = shipped.find(match[1].str() + "." + match[2].str());
        ASSERT_NE(entry, nullptr) << "config/server.ini does not show [" << match[1] << "] " << match[2];
        EXPECT_EQ(entry->value, match[3].str()) << "[" << match[1] << "] " << match[2];
    }
    EXPECT_GE(rows, 20);
    for (const char* section : {"server", "repository", "plugins", "admin", "metrics"}) {
        for (const std::string& key : shipped.keys_of(section)) {
            EXPECT_TRUE(listed.contains(std::string(section) + "." + key))
                << "docs/configuration.md has no row for [" << section << "] " << key;
        }
    }
}

TEST(Defaults, TheSecurityPageStatesTheDefaultLimits) {
    std::ifstream page(test_paths::kSecurityPage);
    ASSERT_TRUE(page) << test_paths::kSecurityPage;
    const IniFile shipped = IniFile::load(test_paths::kDefaultConfig);
    // "`max_header_fields` = 100": a [server] key and its default, in the table of limits.
    const std::regex figure(R"(`(\w+)` = (\d+))");
    int figures = 0;
    for (std::string line; std::getline(page, line);) {
        for (std::sregex_iterator match(line.begin(), line.end(), figure), end; match != end; ++match) {
            ++figures;
            const IniFile::Entry* entry = shipped.find("server." + (*match)[1].str());
            ASSERT_NE(entry, nullptr) << "docs/security.md names " << (*match)[1] << ", which server.ini does not show";
            EXPECT_EQ(entry->value, (*match)[2].str()) << (*match)[1];
        }
    }
    EXPECT_GE(figures, 8);
}

}  // namespace
}  // namespace plugin_host
