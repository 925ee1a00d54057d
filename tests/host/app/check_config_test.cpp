// Tests of `plugin-host --check-config`: every problem of a configuration and its plugins, one
// line each, found without listening, without writing a log line and without touching a
// running host.
#include <gtest/gtest.h>

#include "support/host_command.hpp"
#include "support/host_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

using test_support::Finished;
using test_support::run_host;
using test_support::write_config;

Finished check(const std::filesystem::path& config) { return run_host({"--check-config", "--config", config.string()}); }

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

TEST(CheckConfig, AValidConfigurationIsOkNamingItsPluginsAndRoutesWithoutListeningOrTouchingTheRunningHost) {
    test_support::HostProcess running(0);
    ASSERT_TRUE(running.wait_until_healthy()) << running.output();
    const std::filesystem::path config = running.folder() / "server.ini";  // its port is taken: a check must not listen

    const Finished finished = check(config);
    EXPECT_EQ(finished.exit_code, 0) << finished.err;
    EXPECT_EQ(finished.out,
              "configuration OK: " + config.string() + ": 3 plugins, routes POST /first, POST /second, POST /third\n");
    EXPECT_EQ(finished.err, "");
    EXPECT_EQ(running.metric("plugin_host_plugin_loads_total{plugin=\"first\"}"), 1);
    EXPECT_EQ(running.metric("plugin_host_plugin_refusals_total{plugin=\"first\"}"), 0);
}

TEST(CheckConfig, EveryProblemOfTheFileAndItsPluginsIsOneLineNamingFileAndLine) {
    test_support::TempDir dir;
    std::filesystem::create_directory(dir / "plugins");
    std::filesystem::copy_file(test_paths::kFirstPlugin, dir / "plugins" / "open.so");
    std::filesystem::permissions(dir / "plugins" / "open.so", std::filesystem::perms(0666));
    const std::string first = test_paths::kFirstPlugin;
    const auto config = write_config(dir, "[server]\nport = eighty\n"                           // 1-2
                                          "[repository]\ndelay = 5\n"                           // 3-4
                                          "[plugin.first]\nlibrary = " + first + "\n"           // 5-6
                                          "[plugin.again]\nlibrary = " + first + "\n"           // 7-8: POST /first twice
                                          "[plugin.ghost]\nlibrary = ghost.so\n"                // 9-10
                                          "[plugin.open]\nlibrary = plugins/open.so\n"          // 11-12
                                          "[plugin.typo]\nlibrary = " + first + "\nrout = /x\n"  // 13-15
    );
    const Finished finished = check(config);
    EXPECT_EQ(finished.exit_code, 78);
    EXPECT_EQ(finished.out, "");
    const std::vector<std::string> lines = lines_of(finished.err);
    const std::string at = "plugin-host: " + config.string() + ":";
    const std::vector<std::string> expected_starts{
        at + "2: [server] port: \"eighty\" is not a whole number from 0 to 65535",
        at + "4: [repository] delay: unknown key",
        at + "7: plugin 'again' (" + first + "): ",
        at + "9: plugin 'ghost' (" + (dir / "ghost.so").string() + "): no such file",
        at + "11: plugin 'open' (" + (dir / "plugins" / "open.so").string() + "): not trusted",
        at + "13: plugin 'typo' (" + first + "): " + config.string() + ":15: [plugin.typo] rout: unknown key"};
    ASSERT_EQ(lines.size(), expected_starts.size()) << finished.err;
    for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_TRUE(lines[i].starts_with(expected_starts[i])) << lines[i];
    EXPECT_NE(lines[2].find("POST /first"), std::string::npos) << lines[2];
}

TEST(CheckConfig, AFileThatIsNotAConfigurationIsOneClearLine) {
    test_support::TempDir dir;
    std::ofstream(dir / "nul.ini") << std::string("[server]\nport = 1\0\n", 19);
    std::ofstream(dir / "bom.ini") << "\xEF\xBB\xBF[server]\nport = 1\n";
    const std::string folder = dir.path().string();
    for (const auto& [file, line] : std::vector<std::pair<std::string, std::string>>{
             {"/nonexistent/server.ini", "/nonexistent/server.ini: cannot open the configuration file"},
             {folder, folder + ": is a folder, not a configuration file"},
             {folder + "/nul.ini", folder + "/nul.ini:2: holds a NUL byte: not a text file"},
             {folder + "/bom.ini",
              folder + "/bom.ini:1: starts with a byte order mark (U+FEFF): save the file as UTF-8 without one"}}) {
        const Finished finished = check(file);
        EXPECT_EQ(finished.exit_code, 78) << file;
        EXPECT_EQ(finished.err, "plugin-host: " + line + "\n");
        EXPECT_EQ(finished.out, "");
    }
}

TEST(CheckConfig, AnOptionalPluginThatCannotBeLoadedIsAWarningNotAProblem) {
    test_support::TempDir dir;
    const auto config = write_config(
        dir, "[server]\nport = 0\n" + test_support::seed_plugins_ini() + "[plugin.extra]\nlibrary = extra.so\noptional = true\n");
    const Finished finished = check(config);
    EXPECT_EQ(finished.exit_code, 0) << finished.err;
    EXPECT_EQ(finished.err, "plugin-host: warning: " + config.string() + ":9: plugin 'extra' (" +
                                (dir / "extra.so").string() + "): no such file (optional: the host starts without it)\n");
    EXPECT_TRUE(finished.out.starts_with("configuration OK: ")) << finished.out;
}

TEST(CheckConfig, WritesNoLogLineAndLeavesNoPrivateCopyBehind) {
    test_support::TempDir dir;
    std::filesystem::create_directory(dir / "shadow");
    std::filesystem::permissions(dir / "shadow", std::filesystem::perms(0700));
    const auto log = dir / "host.log";
    const auto config = write_config(
        dir, "[server]\nport = 0\n[plugins]\nshadow_dir = " + (dir / "shadow").string() + "\n" +
                 test_support::seed_plugins_ini() +
                 "[logging.loggers.root]\nchannel = file\nlevel = debug\n"
                 "[logging.channels.file]\nclass = FileChannel\npath = " + log.string() + "\n");
    const Finished finished = check(config);
    EXPECT_EQ(finished.exit_code, 0) << finished.err;
    EXPECT_FALSE(std::filesystem::exists(log)) << "the check wrote to the server's log";
    EXPECT_TRUE(std::filesystem::is_empty(dir / "shadow"));
}

TEST(CheckConfig, ABrokenLoggingSectionIsReportedWithTheRest) {
    test_support::TempDir dir;
    const auto config = write_config(dir, "[server]\nprot = 1\n" + test_support::seed_plugins_ini() +
                                              "[logging.channels.c]\nclass = NoSuchChannel\n");
    const std::vector<std::string> lines = lines_of(check(config).err);
    ASSERT_EQ(lines.size(), 2u) << check(config).err;
    EXPECT_EQ(lines[0], "plugin-host: " + config.string() + ":2: [server] prot: unknown key");
    EXPECT_EQ(lines[1], "plugin-host: " + config.string() +
                            ":10: [logging.channels.c] class: \"NoSuchChannel\" is not a channel class Poco's "
                            "LoggingFactory knows");
}

TEST(CheckConfig, EveryLoggingProblemIsOneLineNamingFileLineAndKeyAtStartUpToo) {
    test_support::TempDir dir;
    const auto config = write_config(dir, "[server]\nport = 0\n" + test_support::seed_plugins_ini() +  // 1-8
                                              "[logging.loggers.root]\n"                               // 9
                                              "channel = console\n"                                    // 10
                                              "level = loud\n"                                         // 11
                                              "bogus = 1\n"                                            // 12
                                              "[logging.channels.console]\n"                           // 13
                                              "class = ConsoleChannel\n"                               // 14
                                              "formatter = nowhere\n"                                  // 15
                                              "colour = pink\n"                                        // 16
                                              "[logging.formatters.f]\n"                               // 17
                                              "class = PatternFormatter\n"                             // 18
                                              "priorityNames = lo, hi\n"                               // 19
                                              "[logging.other]\n");                                    // 20
    const std::string at = "plugin-host: " + config.string() + ":";
    const std::vector<std::string> expected{
        at + "11: [logging.loggers.root] level: \"loud\" is not a log level (none, fatal, critical, error, warning, "
             "notice, information, debug, trace, or 1 to 8)",
        at + "12: [logging.loggers.root] bogus: unknown key: a logger takes name, channel and level",
        at + "15: [logging.channels.console] formatter: \"nowhere\" names no [logging.formatters.nowhere] section",
        at + "16: [logging.channels.console] colour: unknown key: a ConsoleChannel has no such property",
        at + "19: [logging.formatters.f] priorityNames: \"lo, hi\" is not accepted: ",
        at + "20: unknown section [logging.other] (known: [logging.loggers.<name>], [logging.channels.<name>], "
             "[logging.formatters.<name>])"};
    for (const Finished& finished : {check(config), run_host({"--config", config.string()})}) {
        EXPECT_EQ(finished.exit_code, 78);
        const std::vector<std::string> lines = lines_of(finished.err);
        ASSERT_EQ(lines.size(), expected.size()) << finished.err;
        for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_TRUE(lines[i].starts_with(expected[i])) << lines[i];
    }
}

TEST(CheckConfig, AShadowDirThatIsAFileOrOnProcIsNamedWithItsLineAndWhy) {
    test_support::TempDir dir;
    std::ofstream(dir / "a-file") << "not a folder\n";
    for (const auto& [shadow_dir, why] : std::vector<std::pair<std::string, std::string>>{
             {(dir / "a-file").string(), "\"" + (dir / "a-file").string() + "\" is a file, not a folder"},
             {(dir / "a-file" / "below").string(),
              "\"" + (dir / "a-file" / "below").string() + "\": " + (dir / "a-file").string() + " is a file, not a folder"},
             {"/proc/plugin-host", "\"/proc/plugin-host\" is on /proc, the kernel's view of its processes, where no "
                                   "folder can be made"}}) {
        const auto config = write_config(dir, "[server]\nport = 0\n[plugins]\nshadow_dir = " + shadow_dir + "\n" +
                                                  test_support::seed_plugins_ini());
        const Finished finished = check(config);
        EXPECT_EQ(finished.exit_code, 78);
        EXPECT_EQ(finished.err, "plugin-host: " + config.string() + ":4: [plugins] shadow_dir: " + why +
                                    ": private plugin copies cannot be made there\n");
    }
}

TEST(CheckConfig, APluginLibraryThatNamesAFolderSaysItIsAFolder) {
    test_support::TempDir dir;
    std::filesystem::create_directory(dir / "first.so");
    const auto config = write_config(dir, "[server]\nport = 0\n[plugin.first]\nlibrary = first.so\n");
    const Finished finished = check(config);
    EXPECT_EQ(finished.exit_code, 78);
    EXPECT_EQ(finished.err, "plugin-host: " + config.string() + ":3: plugin 'first' (" + (dir / "first.so").string() +
                                "): is a folder, not a plugin file: library must name the .so itself\n");
}

}  // namespace
