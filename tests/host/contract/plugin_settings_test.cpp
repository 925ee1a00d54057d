// A plugin's typed settings: each type, its errors naming file, line and key, and the keys
// a plugin never reads.
#include "contract/plugin_settings.hpp"

#include <gtest/gtest.h>

#include "support/test_host.hpp"

namespace plugin_host {
namespace {

using namespace std::chrono_literals;

/// The plugin kv's section, its keys on the lines after the section's first, in test.ini.
PluginConfig section(std::map<std::string, std::string, std::less<>> settings) {
    return test_support::plugin_config("kv", "kv.so", std::move(settings));
}

TEST(PluginSettings, ReadsEachTypeAndFallsBackWhenUnset) {
    const PluginConfig config = section({{"name", "store"},
                                         {"max_keys", "250"},
                                         {"strict", "yes"},
                                         {"ttl", "30s"},
                                         {"short", "250ms"},
                                         {"plain", "1500"},
                                         {"long", "5min"},
                                         {"day", "24h"},
                                         {"tags", " a, b ,c "}});
    PluginSettings settings(config);
    EXPECT_EQ(settings.text("name", "x"), "store");
    EXPECT_EQ(settings.integer("max_keys", 1, 1, 1000), 250);
    EXPECT_TRUE(settings.boolean("strict", false));
    EXPECT_EQ(settings.duration("ttl", 0ms), 30s);
    EXPECT_EQ(settings.duration("short", 0ms), 250ms);
    EXPECT_EQ(settings.duration("plain", 0ms), 1500ms);
    EXPECT_EQ(settings.duration("long", 0ms), 5min);
    EXPECT_EQ(settings.duration("day", 0ms), 24h);
    EXPECT_EQ(settings.list("tags", {}), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(settings.text("unset", "fallback"), "fallback");
    EXPECT_EQ(settings.integer("unset2", 7, 1, 10), 7);
    EXPECT_EQ(settings.list("unset3", {"x"}), std::vector<std::string>{"x"});
    EXPECT_TRUE(settings.problems().empty());
}

TEST(PluginSettings, AValueOfTheWrongTypeIsAProblemNamingFileLineAndKey) {
    const PluginConfig config = section({{"a_count", "lots"}, {"b_flag", "maybe"}, {"c_ttl", "soon"}, {"d_list", "a,,b"},
                                         {"e_range", "5000"}});
    PluginSettings settings(config);
    EXPECT_EQ(settings.integer("a_count", 3, 1, 100), 3);  // the fallback, and a problem
    EXPECT_FALSE(settings.boolean("b_flag", false));
    EXPECT_EQ(settings.duration("c_ttl", 1s), 1s);
    EXPECT_EQ(settings.list("d_list", {}), std::vector<std::string>{});
    settings.integer("e_range", 3, 1, 100);
    EXPECT_EQ(settings.problems(),
              (std::vector<std::string>{
                  "test.ini:2: [plugin.kv] a_count: \"lots\" is not a whole number from 1 to 100",
                  "test.ini:3: [plugin.kv] b_flag: \"maybe\" is not one of true/false, yes/no, on/off, 1/0",
                  "test.ini:4: [plugin.kv] c_ttl: \"soon\" is not a duration: a whole number of "
                  "milliseconds, or with a unit (250ms, 30s, 5min, 2h)",
                  "test.ini:5: [plugin.kv] d_list: \"a,,b\" has an empty item",
                  "test.ini:6: [plugin.kv] e_range: \"5000\" is not a whole number from 1 to 100"}));
}

TEST(PluginSettings, AKeyThePluginNeverAskedForIsAProblemListingWhatItReads) {
    const PluginConfig config = section({{"library", "kv.so"}, {"optional", "true"}, {"max_keys", "5"}, {"max_kyes", "9"}});
    PluginSettings settings(config);
    settings.integer("max_keys", 1, 1, 10);
    settings.text("route", "/kv");
    EXPECT_EQ(settings.problems(), std::vector<std::string>{
                                       "test.ini:4: [plugin.kv] max_kyes: unknown key (kv reads: max_keys, route)"});

    PluginSettings nothing_read(config);
    EXPECT_EQ(nothing_read.problems().front(), "test.ini:3: [plugin.kv] max_keys: unknown key (kv reads no settings)");
}

}  // namespace
}  // namespace plugin_host
