// Tests of the plugin-host executable: its options, and the start-ups it refuses, each with
// one line naming what is wrong.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_command.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/plugin_files.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <Poco/Net/ServerSocket.h>

#include <unistd.h>

#include <fstream>
#include <csignal>

namespace {

using test_support::Finished;
using test_support::HostProcess;
using test_support::run_host;
using test_support::write_config;
using test_support::post_json;
using test_support::seed_body;

TEST(HostApplication, HelpDescribesTheOptionsAndExitsZero) {
    const Finished finished = run_host({"--help"});
    EXPECT_EQ(finished.exit_code, 0);
    EXPECT_NE(finished.out.find("--config=FILE"), std::string::npos) << finished.out;
    EXPECT_NE(finished.out.find("--help"), std::string::npos);
}

TEST(HostApplication, ConfigErrorStopsStartUpNamingFileLineAndKey) {
    test_support::TempDir dir;
    const auto config = write_config(dir, "[server]\nport = eighty\n" + test_support::seed_plugins_ini());
    const Finished finished = run_host({"--config", config.string()});
    EXPECT_EQ(finished.exit_code, 78);  // EX_CONFIG
    EXPECT_EQ(finished.err, "plugin-host: " + config.string() +
                                ":2: [server] port: \"eighty\" is not a whole number from 0 to 65535\n");
}

TEST(HostApplication, EveryConfigProblemStopsStartUpOneLineEach) {
    test_support::TempDir dir;
    const auto config = write_config(dir, "[server]\nport = eighty\nprot = 1\n" + test_support::seed_plugins_ini());
    const Finished finished = run_host({"--config", config.string()});
    EXPECT_EQ(finished.exit_code, 78);
    EXPECT_EQ(finished.err, "plugin-host: " + config.string() +
                                ":2: [server] port: \"eighty\" is not a whole number from 0 to 65535\n"
                                "plugin-host: " + config.string() + ":3: [server] prot: unknown key\n");
}

TEST(HostApplication, MissingConfigFileIsNamed) {
    const Finished finished = run_host({"--config", "/nonexistent/server.ini"});
    EXPECT_EQ(finished.exit_code, 78);
    EXPECT_EQ(finished.err, "plugin-host: /nonexistent/server.ini: cannot open the configuration file\n");
}

TEST(HostApplication, UnloadablePluginStopsStartUpNamingPluginAndFile) {
    test_support::TempDir dir;
    const auto config = write_config(dir, "[server]\nport = 0\n[plugin.ghost]\nlibrary = ghost.so\n");
    const Finished finished = run_host({"--config", config.string()});
    EXPECT_EQ(finished.exit_code, 78);
    EXPECT_NE(finished.err.find("plugin 'ghost' (" + (dir / "ghost.so").string() + "): no such file"),
              std::string::npos)
        << finished.err;
}

TEST(HostApplication, PluginThatIsNotASharedObjectStopsStartUpNamingPluginFileAndReason) {
    test_support::TempDir dir;
    std::ofstream(dir / "broken.so") << "not a shared object\n";
    const auto config = write_config(dir, "[server]\nport = 0\n" + test_support::seed_plugins_ini() +
                                              "[plugin.broken]\nlibrary = broken.so\n");
    const Finished finished = run_host({"--config", config.string()});
    EXPECT_EQ(finished.exit_code, 78);
    EXPECT_NE(finished.err.find("plugin 'broken' (" + (dir / "broken.so").string() + "): is not an ELF file"),
              std::string::npos)
        << finished.err;
}

TEST(HostApplication, PluginFileOthersCouldHaveWrittenStopsStartUpUnlessExplicitlyAllowed) {
    test_support::TempDir dir;
    std::filesystem::create_directory(dir / "plugins");
    std::filesystem::copy_file(test_paths::kFirstPlugin, dir / "plugins" / "first.so");
    std::filesystem::permissions(dir / "plugins" / "first.so", std::filesystem::perms(0666));
    const std::string plugin = "[plugin.first]\nlibrary = plugins/first.so\n";

    const Finished refused = run_host({"--config", write_config(dir, "[server]\nport = 0\n" + plugin).string()});
    EXPECT_EQ(refused.exit_code, 78);
    EXPECT_NE(refused.err.find("plugin 'first' (" + (dir / "plugins" / "first.so").string() +
                               "): not trusted: the file is writable by its group and others (mode 0666)"),
              std::string::npos)
        << refused.err;

    HostProcess allowed(0, "[plugins]\nallow_untrusted_files = true\n[plugin.first]\nlibrary = " +
                               (dir / "plugins" / "first.so").string() + "\n");
    EXPECT_TRUE(allowed.wait_until_healthy()) << allowed.output();
}

TEST(HostApplication, UnprivilegedServerTrustsPluginsOwnedByRootAndRefusesAnotherUsersByDefault) {
    // As in a container image whose server runs as a user of its own: plugin files that
    // root installed are trusted, the private copies go to a folder of that user's in /tmp.
    if (::geteuid() != 0) GTEST_SKIP() << "starting the server as another user needs root";
    constexpr unsigned kServerUser = 65534;
    HostProcess root_owned(0, test_support::seed_plugins_ini(), "", {.run_as_user = kServerUser});
    ASSERT_TRUE(root_owned.wait_until_healthy()) << root_owned.output();
    EXPECT_EQ(post_json(root_owned.port(), "/first", seed_body("first")).status, 200);
    root_owned.signal(SIGTERM);
    EXPECT_EQ(root_owned.wait_for(std::chrono::seconds(5)), std::optional<int>(0)) << root_owned.output();

    test_support::TempDir dir;
    std::filesystem::create_directory(dir / "plugins");
    std::filesystem::copy_file(test_paths::kFirstPlugin, dir / "plugins" / "first.so");
    ASSERT_EQ(::chown((dir / "plugins" / "first.so").c_str(), 12345, 12345), 0);  // neither root nor the server
    std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
    HostProcess other_user(0, "[plugin.first]\nlibrary = " + (dir / "plugins" / "first.so").string() + "\n", "",
                           {.run_as_user = kServerUser});
    EXPECT_EQ(other_user.wait_for(std::chrono::seconds(5)), std::optional<int>(78));
    EXPECT_NE(other_user.output().find("not trusted: the file is owned by uid 12345, neither root nor the server's "
                                       "user (uid 65534)"),
              std::string::npos)
        << other_user.output();
}

TEST(HostApplication, PluginOutsideTheConfiguredFoldersStopsStartUp) {
    test_support::TempDir dir;
    const Finished refused = run_host(
        {"--config", write_config(dir, "[server]\nport = 0\n[plugins]\nfolders = plugins\n" +
                                           test_support::seed_plugins_ini())
                         .string()});
    EXPECT_EQ(refused.exit_code, 78);
    EXPECT_NE(refused.err.find("plugin 'first' (" + std::string(test_paths::kFirstPlugin) +
                               "): it is outside the plugin folders (" + (dir / "plugins").string() + ")"),
              std::string::npos)
        << refused.err;
}

TEST(HostApplication, OptionalPluginThatCannotBeLoadedLeavesTheRestServingAndHealthzDegraded) {
    test_support::TempDir plugins;
    const std::filesystem::path ghost = plugins / "ghost.so";
    HostProcess host(0, test_support::seed_plugins_ini() + "[plugins]\nwatch = true\nsettle_ms = 50\n" +
                            "[plugin.ghost]\nlibrary = " + ghost.string() + "\noptional = true\n");
    ASSERT_EQ(host.wait_until_listening(), 200) << host.output();  // it serves its routes: ready
    const auto health = test_support::send_request(host.port(), "GET", "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_TRUE(health.body.starts_with(
        R"({"status":"degraded","plugins":["first","second","third"],"missing":["ghost"],"refused":[{"plugin":"ghost","at":")"))
        << health.body;
    EXPECT_TRUE(health.body.ends_with(R"(","reason":"plugin 'ghost' ()" + ghost.string() + R"(): no such file"}]})"))
        << health.body;
    EXPECT_EQ(post_json(host.port(), "/first", seed_body("first")).status, 200);
    EXPECT_NE(host.output().find("plugin 'ghost' (" + ghost.string() + "): no such file"), std::string::npos)
        << host.output();

    test_support::publish_by_rename(test_paths::kSwapV1Plugin, ghost);  // the watcher loads it
    EXPECT_TRUE(test_support::eventually([&] {
        return test_support::send_request(host.port(), "GET", "/healthz").body ==
               R"({"status":"ok","plugins":["first","second","third","ghost"]})";
    })) << host.output();
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(5)), std::optional<int>(0));
}

TEST(HostApplication, InvalidLoggingConfigurationIsReported) {
    test_support::TempDir dir;
    const auto config = write_config(dir, "[server]\nport = 0\n" + test_support::seed_plugins_ini() +
                                              "[logging.channels.c]\nclass = NoSuchChannel\n");
    const Finished finished = run_host({"--config", config.string()});
    EXPECT_EQ(finished.exit_code, 78);
    EXPECT_EQ(finished.err, "plugin-host: " + config.string() +
                                ":10: [logging.channels.c] class: \"NoSuchChannel\" is not a channel class Poco's "
                                "LoggingFactory knows\n");
}

TEST(HostApplication, APortAnotherServerListensOnStopsStartUp) {
    HostProcess first(0);
    ASSERT_TRUE(first.wait_until_healthy());
    test_support::TempDir dir;
    const auto config = write_config(dir, "[server]\naddress = 127.0.0.1\nport = " + std::to_string(first.port()) +
                                              "\nmax_connections = 16\n" + test_support::seed_plugins_ini());
    const Finished second = run_host({"--config", config.string()});
    EXPECT_EQ(second.exit_code, 69);  // EX_UNAVAILABLE
    EXPECT_NE(second.err.find("plugin-host: cannot listen: "), std::string::npos) << second.err;
    EXPECT_NE(second.err.find("in use"), std::string::npos) << second.err;
    first.signal(SIGTERM);
    EXPECT_EQ(first.wait(), 0);
}

TEST(HostApplication, AnAddressThatIsNotOneStopsStartUpNamingFileLineAndKey) {
    test_support::TempDir dir;
    const auto config = write_config(dir, "[server]\naddress = not an address\n" + test_support::seed_plugins_ini());
    const Finished finished = run_host({"--config", config.string()});
    EXPECT_EQ(finished.exit_code, 78);  // EX_CONFIG
    EXPECT_TRUE(finished.err.starts_with("plugin-host: " + config.string() +
                                         ":2: [server] address: \"not an address\" is neither an IP address nor a "
                                         "host name that resolves"))
        << finished.err;
}

}  // namespace
