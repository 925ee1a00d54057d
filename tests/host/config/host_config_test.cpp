#include "config/host_config.hpp"

#include <gtest/gtest.h>

#include "app/http_settings.hpp"

#include "test_paths.hpp"

namespace plugin_host {
namespace {

HostConfig read(std::string_view text) { return read_host_config(IniFile::parse(text, "/etc/ph/server.ini")); }

std::string error_of(std::string_view text) {
    try {
        read(text);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

constexpr std::string_view kOnePlugin = "[plugin.first]\nlibrary = plugins/first.so\n";

TEST(HostConfig, ReadsEveryServerSetting) {
    const HostConfig config = read(
        "[server]\n"
        "address = 127.0.0.1\n"
        "port = 9000\n"
        "max_connections = 1500\n"
        "listen_backlog = 128\n"
        "loop_threads = 3\n"
        "max_workers = 77\n"
        "deferred_timeout_ms = 999\n"
        "thread_stack_kib = 512\n"
        "keep_alive = off\n"
        "keep_alive_timeout_ms = 1234\n"
        "max_keep_alive_requests = 7\n"
        "receive_timeout_ms = 4321\n"
        "max_body_bytes = 100\n"
        "[repository]\n"
        "delay_ms = 0\n"
        "[plugin.first]\n"
        "library = plugins/first.so\n");
    EXPECT_EQ(config.file, "/etc/ph/server.ini");
    EXPECT_EQ(config.server.address, "127.0.0.1");
    EXPECT_EQ(config.server.port, 9000);
    EXPECT_EQ(config.server.max_connections, 1500);
    EXPECT_EQ(config.server.listen_backlog, 128);
    EXPECT_EQ(config.server.loop_threads, 3);
    EXPECT_EQ(config.server.max_workers, 77);
    EXPECT_EQ(config.server.deferred_timeout, std::chrono::milliseconds(999));
    EXPECT_EQ(config.server.thread_stack_kib, 512);
    EXPECT_FALSE(config.server.keep_alive);
    EXPECT_EQ(config.server.keep_alive_timeout, std::chrono::milliseconds(1234));
    EXPECT_EQ(config.server.max_keep_alive_requests, 7);
    EXPECT_EQ(config.server.receive_timeout, std::chrono::milliseconds(4321));
    EXPECT_EQ(config.server.max_body_bytes, 100u);
    EXPECT_EQ(config.repository_delay, std::chrono::milliseconds(0));
}

TEST(HostConfig, DefaultsCarryTheSeedScenario) {
    const HostConfig config = read(kOnePlugin);
    EXPECT_EQ(config.server.address, "0.0.0.0");
    EXPECT_EQ(config.server.port, 8991);
    EXPECT_GE(config.server.max_connections, 1500);  // 500 virtual users × 3 connections
    EXPECT_EQ(config.server.loop_threads, 0);  // one per core
    EXPECT_GE(config.server.max_workers, 500);  // the seed's users, each in a blocking 2.0 handler
    EXPECT_TRUE(config.server.keep_alive);
    EXPECT_EQ(config.repository_delay, std::chrono::milliseconds(2000));
    EXPECT_EQ(config.server.max_body_bytes, 65536u);
}

TEST(HostConfig, ReadsTheRequestDeadlines) {
    const HostConfig config =
        read("[server]\nheader_timeout_ms = 1500\nbody_timeout_ms = 2500\n" + std::string(kOnePlugin));
    EXPECT_EQ(config.server.header_timeout, std::chrono::milliseconds(1500));
    EXPECT_EQ(config.server.body_timeout, std::chrono::milliseconds(2500));
    const HostConfig defaults = read(kOnePlugin);
    EXPECT_EQ(defaults.server.header_timeout, std::chrono::milliseconds(10000));
    EXPECT_EQ(defaults.server.body_timeout, std::chrono::milliseconds(30000));
    EXPECT_EQ(defaults.server.drain_timeout, std::chrono::milliseconds(30000));
    EXPECT_EQ(read("[server]\ndrain_timeout_ms = 0\n" + std::string(kOnePlugin)).server.drain_timeout,
              std::chrono::milliseconds(0));
    EXPECT_EQ(error_of("[server]\nheader_timeout_ms = 0\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:2: [server] header_timeout_ms: \"0\" is not a whole number from 1 to 3600000");
}

TEST(HostConfig, PluginMayBeOptionalAndStillSeesTheKey) {
    const HostConfig config = read("[plugin.first]\nlibrary = first.so\noptional = yes\n[plugin.second]\nlibrary = second.so\n");
    EXPECT_TRUE(config.plugins[0].optional);
    EXPECT_EQ(config.plugins[0].settings.at("optional"), "yes");  // every key is handed to the plugin
    EXPECT_FALSE(config.plugins[1].optional);
    EXPECT_EQ(error_of("[plugin.first]\nlibrary = first.so\noptional = maybe\n"),
              "/etc/ph/server.ini:3: [plugin.first] optional: \"maybe\" is not one of true/false, yes/no, on/off, 1/0");
}

TEST(HostConfig, ReadsThePluginFoldersAndTrust) {
    const HostConfig config =
        read("[plugins]\nfolders = plugins, /opt/ph/plugins ,../more\nallow_untrusted_files = true\n" + std::string(kOnePlugin));
    EXPECT_EQ(config.plugin_loading.folders,
              (std::vector<std::filesystem::path>{"/etc/ph/plugins", "/opt/ph/plugins", "/etc/more"}));
    EXPECT_TRUE(config.plugin_loading.allow_untrusted_files);
    const HostConfig defaults = read(kOnePlugin);
    EXPECT_TRUE(defaults.plugin_loading.folders.empty());
    EXPECT_FALSE(defaults.plugin_loading.allow_untrusted_files);
    EXPECT_EQ(error_of("[plugins]\nfolders = a,,b\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:2: [plugins] folders: \"a,,b\" has an empty item");
}

TEST(HostConfig, ShippedConfigCarriesTheSeedScenario) {
    const HostConfig config = load_host_config(test_paths::kDefaultConfig);
    EXPECT_EQ(config.server.port, 8991);
    EXPECT_GE(config.server.max_connections, 1500);
    EXPECT_EQ(config.repository_delay, std::chrono::milliseconds(2000));
    ASSERT_EQ(config.plugins.size(), 3u);
    EXPECT_EQ(config.plugins[0].name, "first");
    EXPECT_EQ(config.plugins[0].settings.at("route"), "/first");
    EXPECT_EQ(config.plugins[2].name, "third");
}

TEST(HostConfig, PluginPathsResolveAgainstTheConfigFolder) {
    const HostConfig config = read(
        "[plugin.first]\nlibrary = ../lib/first.so\nroute = /performance-test/first\n"
        "[plugin.second]\nlibrary = /opt/second.so\n");
    ASSERT_EQ(config.plugins.size(), 2u);
    EXPECT_EQ(config.plugins[0].name, "first");
    EXPECT_EQ(config.plugins[0].library, "/etc/lib/first.so");
    EXPECT_EQ(config.plugins[0].settings.at("route"), "/performance-test/first");
    EXPECT_EQ(config.plugins[0].origin, "/etc/ph/server.ini:1");
    EXPECT_EQ(config.plugins[1].library, "/opt/second.so");
}

TEST(HostConfig, PluginsKeepTheirFileOrder) {
    const HostConfig config = read(
        "[plugin.zeta]\nlibrary = z.so\n[plugin.alpha]\nlibrary = a.so\n");
    ASSERT_EQ(config.plugins.size(), 2u);
    EXPECT_EQ(config.plugins[0].name, "zeta");
    EXPECT_EQ(config.plugins[1].name, "alpha");
}

TEST(HostConfig, ReadsTheRequestLimitsAndTheyReachTheConnections) {
    const HostConfig config = read(
        "[server]\nmax_request_line_bytes = 1000\nmax_header_field_bytes = 2000\nmax_header_fields = 3\n"
        "max_chunk_line_bytes = 40\nmax_chunk_extensions_bytes = 0\nmax_trailer_field_bytes = 500\n"
        "max_trailer_fields = 0\nmax_trailer_section_bytes = 600\n" +
        std::string(kOnePlugin));
    const HttpSettings settings = http_settings(config.server);
    EXPECT_EQ(settings.head_limits.max_request_line, 1000u);
    EXPECT_EQ(settings.head_limits.max_field_line, 2000u);
    EXPECT_EQ(settings.head_limits.max_fields, 3);
    EXPECT_EQ(settings.chunk_limits.max_line, 40u);
    EXPECT_EQ(settings.chunk_limits.max_extensions, 0u);
    EXPECT_EQ(settings.chunk_limits.max_trailer_line, 500u);
    EXPECT_EQ(settings.chunk_limits.max_trailers, 0);
    EXPECT_EQ(settings.chunk_limits.max_trailer_section, 600u);
    EXPECT_EQ(error_of("[server]\nmax_header_fields = 0\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:2: [server] max_header_fields: \"0\" is not a whole number from 1 to 10000");
    EXPECT_EQ(error_of("[server]\nmax_request_line_bytes = 100\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:2: [server] max_request_line_bytes: \"100\" is not a whole number from 256 to "
              "1048576");
}

TEST(HostConfig, NonNumericValueNamesFileLineKeyAndRange) {
    EXPECT_EQ(error_of("[server]\nport = eighty\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:2: [server] port: \"eighty\" is not a whole number from 0 to 65535");
}

TEST(HostConfig, OutOfRangeValueIsRefused) {
    EXPECT_EQ(error_of("[server]\n\nport = 70000\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:3: [server] port: \"70000\" is not a whole number from 0 to 65535");
    EXPECT_EQ(error_of("[server]\nmax_connections = 0\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:2: [server] max_connections: \"0\" is not a whole number from 1 to 100000");
    EXPECT_EQ(error_of("[repository]\ndelay_ms = -1\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:2: [repository] delay_ms: \"-1\" is not a whole number from 0 to 600000");
}

TEST(HostConfig, TrailingGarbageInANumberIsRefused) {
    EXPECT_EQ(error_of("[server]\nport = 80x\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:2: [server] port: \"80x\" is not a whole number from 0 to 65535");
}

TEST(HostConfig, InvalidBooleanIsRefused) {
    EXPECT_EQ(error_of("[server]\nkeep_alive = maybe\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:2: [server] keep_alive: \"maybe\" is not one of true/false, "
              "yes/no, on/off, 1/0");
}

TEST(HostConfig, UnknownKeyIsReportedNotIgnored) {
    EXPECT_EQ(error_of("[server]\nprot = 8991\n" + std::string(kOnePlugin)), "/etc/ph/server.ini:2: [server] prot: unknown key");
    EXPECT_EQ(error_of("[repository]\ndelay = 5\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:2: [repository] delay: unknown key");
}

TEST(HostConfig, UnknownSectionIsReported) {
    EXPECT_EQ(error_of(std::string(kOnePlugin) + "[sever]\nport = 1\n"),
              "/etc/ph/server.ini:3: unknown section [sever] (known: [server], [repository], [plugins], "
              "[admin], [metrics], [filters], [plugin.<name>], [logging.*])");
}

TEST(HostConfig, PluginWithoutLibraryNamesItsSection) {
    EXPECT_EQ(error_of("[server]\nport = 1\n[plugin.first]\nroute = /x\n"),
              "/etc/ph/server.ini:3: [plugin.first] library: required key is missing");
}

TEST(HostConfig, PluginWithEmptyLibraryIsRefused) {
    EXPECT_EQ(error_of("[plugin.first]\nlibrary =\n"),
              "/etc/ph/server.ini:2: [plugin.first] library: must not be empty");
}

TEST(HostConfig, PluginSectionWithoutNameIsRefused) {
    EXPECT_EQ(error_of("[plugin.]\nlibrary = x.so\n"),
              "/etc/ph/server.ini:1: [plugin.] needs a name: [plugin.<name>]");
}

TEST(HostConfig, NoPluginIsAnError) {
    EXPECT_EQ(error_of("[server]\nport = 1\n"),
              "/etc/ph/server.ini: no plugins configured: add a [plugin.<name>] section with a "
              "library key");
}

TEST(HostConfig, AnAddressThatIsNeitherAnIpNorAResolvableNameIsAConfigError) {
    EXPECT_TRUE(error_of("[server]\naddress = not an address\n" + std::string(kOnePlugin))
                    .starts_with("/etc/ph/server.ini:2: [server] address: \"not an address\" is neither an IP address "
                                 "nor a host name that resolves ("));
    EXPECT_TRUE(error_of("[server]\naddress = no-such-host.invalid\n" + std::string(kOnePlugin))
                    .starts_with("/etc/ph/server.ini:2: [server] address: \"no-such-host.invalid\" is neither"));
    EXPECT_EQ(read("[server]\naddress = ::1\n" + std::string(kOnePlugin)).server.address, "::1");
    EXPECT_EQ(read("[server]\naddress = localhost\n" + std::string(kOnePlugin)).server.address, "localhost");
}

TEST(HostConfig, APluginNameMayHoldOnlyPlainCharacters) {
    EXPECT_EQ(error_of("[plugin.a\"b]\nlibrary = x.so\n"),
              "/etc/ph/server.ini:1: [plugin.a\"b]: a plugin name may hold only letters, digits, '_', '-' and '.'");
    EXPECT_NE(error_of("[plugin.../x]\nlibrary = x.so\n").find("a plugin name may hold only"), std::string::npos);
    EXPECT_EQ(read("[plugin.Kv-store_2.0]\nlibrary = x.so\n").plugins[0].name, "Kv-store_2.0");
}

TEST(HostConfig, RetiredMaxQueuedSaysWhy) {
    EXPECT_EQ(error_of("[server]\nmax_queued = 256\n" + std::string(kOnePlugin)),
              "/etc/ph/server.ini:2: [server] max_queued: no longer used: every admitted connection has a thread at "
              "once (max_connections); remove the line");
}

TEST(HostConfig, EveryProblemIsReportedNotJustTheFirst) {
    std::vector<std::string> problems;
    const HostConfig config = read_host_config(
        IniFile::parse("[server]\nport = eighty\nprot = 1\n[sever]\n[plugin.a]\n[plugin.b]\nlibrary = b.so\n",
                       "/etc/ph/server.ini"),
        problems);
    EXPECT_EQ(problems, (std::vector<std::string>{
                            "/etc/ph/server.ini:2: [server] port: \"eighty\" is not a whole number from 0 to 65535",
                            "/etc/ph/server.ini:3: [server] prot: unknown key",
                            "/etc/ph/server.ini:4: unknown section [sever] (known: [server], [repository], [plugins], "
                            "[admin], [metrics], [filters], [plugin.<name>], [logging.*])",
                            "/etc/ph/server.ini:5: [plugin.a] library: required key is missing"}));
    EXPECT_EQ(config.server.port, ServerConfig{}.port);  // a wrong value reads as its default
    ASSERT_EQ(config.plugins.size(), 1u);                // the section in error is left out
    EXPECT_EQ(config.plugins[0].name, "b");
}

TEST(HostConfig, AReloadNamesTheSectionsThatWaitForTheNextStart) {
    const HostConfig running = read(kOnePlugin);
    EXPECT_TRUE(running.changes_needing_restart(read(std::string(kOnePlugin) + "route = /x\n")).empty());
    EXPECT_EQ(running.changes_needing_restart(
                  read("[server]\nport = 1\n[metrics]\nenabled = false\n" + std::string(kOnePlugin))),
              (std::vector<std::string>{"[server]", "[metrics]"}));
    EXPECT_EQ(running.changes_needing_restart(read("[repository]\ndelay_ms = 1\n[admin]\nenabled = true\n"
                                                   "[plugins]\nwatch = false\n" + std::string(kOnePlugin))),
              (std::vector<std::string>{"[repository]", "[plugins]", "[admin]"}));
}

TEST(HostConfig, LoggingSectionsAreLeftToPoco) {
    EXPECT_NO_THROW(read(std::string(kOnePlugin) + "[logging.loggers.root]\nchannel = c\nanything = 1\n"));
}

}  // namespace
}  // namespace plugin_host
