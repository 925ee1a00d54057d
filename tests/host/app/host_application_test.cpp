// Tests of the plugin-host executable itself: options, start-up errors, signals.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/keep_alive_load.hpp"
#include "support/open_files.hpp"
#include "support/plugin_files.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <future>
#include <thread>

namespace {

using test_support::eventually;
using test_support::HostProcess;
using test_support::post_json;
using test_support::seed_body;

/// User ids no process on the machine runs as, so that a per-user limit counts only the
/// server's own threads; one for each test, since the tests may run at the same time.
constexpr unsigned kThreadLimitedUser = 54321;
constexpr unsigned kStartlessUser = 54322;

struct Finished {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs plugin-host with `args` to completion.
Finished run_host(const std::vector<std::string>& args) {
    Poco::Pipe out;
    Poco::Pipe err;
    Poco::ProcessHandle process = Poco::Process::launch(test_paths::kHostExecutable, args, nullptr, &out, &err);
    Finished finished;
    Poco::PipeInputStream out_stream(out);
    Poco::PipeInputStream err_stream(err);
    auto err_text = std::async(std::launch::async, [&err_stream] {
        std::string text;
        Poco::StreamCopier::copyToString(err_stream, text);
        return text;
    });
    Poco::StreamCopier::copyToString(out_stream, finished.out);
    finished.err = err_text.get();
    finished.exit_code = process.wait();
    return finished;
}


/// Waits (bounded) until `path` answers `expected_body`.
bool wait_for_body(std::uint16_t port, const std::string& path, const std::string& expected_body) {
    return eventually([&] { return post_json(port, path, seed_body("s")).body == expected_body; });
}

std::filesystem::path write_config(const test_support::TempDir& dir, const std::string& text) {
    std::ofstream(dir / "server.ini") << text;
    return dir / "server.ini";
}

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
    ASSERT_EQ(host.wait_until_listening(), 503) << host.output();
    const auto health = test_support::send_request(host.port(), "GET", "/healthz");
    EXPECT_EQ(health.status, 503);
    EXPECT_EQ(health.body, R"({"status":"degraded","plugins":["first","second","third"],"missing":["ghost"]})");
    EXPECT_EQ(post_json(host.port(), "/first", seed_body("first")).status, 200);
    EXPECT_NE(host.output().find("plugin 'ghost' (" + ghost.string() + "): no such file"), std::string::npos)
        << host.output();

    test_support::publish_by_rename(test_paths::kSwapV1Plugin, ghost);  // the watcher loads it
    EXPECT_TRUE(host.wait_until_healthy()) << host.output();
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(5)), std::optional<int>(0));
}

TEST(HostApplication, InvalidLoggingConfigurationIsReported) {
    test_support::TempDir dir;
    const auto config = write_config(dir, "[server]\nport = 0\n" + test_support::seed_plugins_ini() +
                                              "[logging.channels.c]\nclass = NoSuchChannel\n");
    const Finished finished = run_host({"--config", config.string()});
    EXPECT_EQ(finished.exit_code, 78);
    EXPECT_NE(finished.err.find("[logging.*]"), std::string::npos) << finished.err;
    EXPECT_NE(finished.err.find("NoSuchChannel"), std::string::npos) << finished.err;
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

TEST(HostApplication, SigtermLetsTheRequestInFlightFinishThenExitsZero) {
    HostProcess host(600);
    ASSERT_TRUE(host.wait_until_healthy());
    auto in_flight = std::async(std::launch::async, [port = host.port()] {
        return post_json(port, "/first", seed_body("first"));
    });
    // The request is in flight once /metrics counts it beside itself.
    ASSERT_TRUE(eventually([&] { return host.metric("plugin_host_requests_in_flight") == 2; }));
    host.signal(SIGTERM);
    const auto response = in_flight.get();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"result":"first_first,first_second Executed"})");
    EXPECT_EQ(host.wait(), 0);
}

/// The soft and hard open-file limits of process `pid`.
std::pair<std::string, std::string> open_file_limits(int pid) {
    std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
    for (std::string line; std::getline(limits, line);) {
        if (!line.starts_with("Max open files")) continue;
        std::istringstream fields(line.substr(std::string("Max open files").size()));
        std::string soft;
        std::string hard;
        fields >> soft >> hard;
        return {soft, hard};
    }
    return {};
}

TEST(HostApplication, RaisesTheSoftOpenFileLimitToTheHardOne) {
    HostProcess host(0, test_support::seed_plugins_ini(), "max_connections = 16\n",
                     {.limits = {"--nofile=256:4096"}});
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    EXPECT_EQ(open_file_limits(host.pid()), std::make_pair(std::string("4096"), std::string("4096")));
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
}

TEST(HostApplication, WarnsWhenTheConnectionCapacityCannotFitTheOpenFileLimit) {
    HostProcess host(0, test_support::seed_plugins_ini(), "max_connections = 2000\nprestart_threads = false\n",
                     {.limits = {"--nofile=1000:1000"}});
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    EXPECT_TRUE(host.wait_for_output("[server] max_connections = 2000 needs about 2064 open files (one per "
                                     "connection), but the limit is 1000"))
        << host.output();
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
}

TEST(HostApplication, ServesWithTheThreadsItCanMakeWhenAProcessLimitStopsItShort) {
    // As under a container's pids limit: the server's user may run 300 threads in all.
    if (::geteuid() != 0) GTEST_SKIP() << "a thread limit that applies needs another user, which needs root";
    HostProcess host(0, test_support::seed_plugins_ini(), "max_connections = 1600\n",
                     {.limits = {"--nproc=300:300"}, .run_as_user = kThreadLimitedUser});
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    ASSERT_TRUE(host.wait_for_output("Serving at most ")) << host.output();
    EXPECT_NE(host.output().find("connections at once instead of [server] max_connections = 1600: RLIMIT_NPROC is "
                                 "300 processes and threads for uid " + std::to_string(kThreadLimitedUser)),
              std::string::npos)
        << host.output();
    const double capacity = host.metric("plugin_host_connections_max");
    EXPECT_GT(capacity, 200);
    EXPECT_LT(capacity, 300);
    EXPECT_EQ(post_json(host.port(), "/first", seed_body("first")).status, 200);
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(10)), std::optional<int>(0)) << host.output();
}

TEST(HostApplication, AThreadLimitTooLowToStartFailsStartUpWithOneLineNamingIt) {
    if (::geteuid() != 0) GTEST_SKIP() << "a thread limit that applies needs another user, which needs root";
    test_support::TempDir shadow;
    std::filesystem::permissions(shadow.path(), std::filesystem::perms(0777) | std::filesystem::perms::sticky_bit);
    HostProcess host(0, test_support::seed_plugins_ini() + "[plugins]\nshadow_dir = " + shadow.path().string() + "\n",
                     "", {.limits = {"--nproc=4:4"}, .run_as_user = kStartlessUser});
    EXPECT_EQ(host.wait_for(std::chrono::seconds(10)), std::optional<int>(71)) << host.output();  // EX_OSERR
    EXPECT_NE(host.output().find("plugin-host: cannot start a thread the server needs ("), std::string::npos)
        << host.output();
    EXPECT_NE(host.output().find("RLIMIT_NPROC is 4 processes and threads for uid " + std::to_string(kStartlessUser) +
                                 " (ulimit -u; a container's pids limit does the same); [server] max_connections = 32 "
                                 "needs about 48\n"),
              std::string::npos)
        << host.output();
    EXPECT_TRUE(std::filesystem::is_empty(shadow.path())) << "the private copies were left behind";
}

TEST(HostApplication, SigtermUnderLoadAnswersEveryRequestSentBeforeItClosesIdleConnectionsAndExitsZero) {
    // Idle keep-alive connections would hold the process for a minute if the drain did not
    // close them.
    HostProcess host(500, test_support::seed_plugins_ini(), "keep_alive_timeout_ms = 60000\ndrain_timeout_ms = 10000\n");
    ASSERT_TRUE(host.wait_until_healthy());
    std::vector<std::unique_ptr<test_support::KeepAliveLoad>> loads;
    for (const char* path : {"/first", "/second", "/third"}) {
        loads.push_back(std::make_unique<test_support::KeepAliveLoad>(host.port(), path, 6, std::chrono::seconds(30)));
    }
    test_support::RawClient idle(host.port());
    ASSERT_TRUE(idle.send("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"));
    ASSERT_EQ(test_support::parse_responses(idle.read_responses(1, std::chrono::seconds(2)).bytes).size(), 1u);

    // Three rounds of 18 clients answered, and the next requests in flight.
    const auto completed_so_far = [&loads] {
        std::uint64_t completed = 0;
        for (const auto& load : loads) completed += load->completed();
        return completed;
    };
    ASSERT_TRUE(eventually([&] { return completed_so_far() >= 18u * 3; }, std::chrono::seconds(10)));
    ASSERT_TRUE(eventually([&] { return host.metric("plugin_host_requests_in_flight") > 1; }));
    const auto signalled = std::chrono::steady_clock::now();
    host.signal(SIGTERM);
    const std::optional<int> exit_code = host.wait_for(std::chrono::seconds(8));
    const auto exited_after = std::chrono::steady_clock::now() - signalled;
    for (auto& load : loads) load->stop();

    ASSERT_TRUE(exit_code.has_value()) << "still running 8 s after SIGTERM";
    EXPECT_EQ(*exit_code, 0) << host.output();
    EXPECT_LT(exited_after, test_support::scaled(std::chrono::seconds(3)));
    std::uint64_t completed = 0;
    for (const auto& load : loads) {
        EXPECT_EQ(load->failed_sent_before(signalled), 0u) << ::testing::PrintToString(load->failures());
        completed += load->completed();
    }
    EXPECT_GE(completed, 18u * 3);  // three rounds of 18 clients before the signal
    EXPECT_TRUE(idle.read_until_closed(std::chrono::seconds(1)).closed);
}

TEST(HostApplication, SigtermCutsARequestThatOutlivesTheDrainTimeoutLogsItAndLeavesNothingBehind) {
    test_support::TempDir shadow;
    HostProcess host(5000, test_support::seed_plugins_ini() + "[plugins]\nshadow_dir = " + shadow.path().string() + "\n",
                     "drain_timeout_ms = 500\n");
    ASSERT_TRUE(host.wait_until_healthy());
    ASSERT_FALSE(std::filesystem::is_empty(shadow.path()));  // the host's private copies
    auto too_slow = std::async(std::launch::async, [port = host.port()] {
        try {
            return post_json(port, "/first", seed_body("first")).status;
        } catch (const Poco::Exception&) {
            return 0;  // cut
        }
    });
    ASSERT_TRUE(eventually([&] { return host.metric("plugin_host_requests_in_flight") == 2; }));
    const auto signalled = std::chrono::steady_clock::now();
    host.signal(SIGTERM);
    ASSERT_TRUE(host.wait_for_output("Stopped accepting"));  // draining now: no new client is served
    EXPECT_THROW(post_json(host.port(), "/second", seed_body("second")), Poco::Exception);
    const std::optional<int> exit_code = host.wait_for(std::chrono::seconds(4));
    const auto exited_after = std::chrono::steady_clock::now() - signalled;

    ASSERT_TRUE(exit_code.has_value()) << "still running 4 s after SIGTERM";
    EXPECT_EQ(*exit_code, 0) << host.output();
    EXPECT_LT(exited_after, test_support::scaled(std::chrono::milliseconds(500 + 1000 + 800)));  // drain, grace, margin
    EXPECT_NE(too_slow.get(), 200);
    EXPECT_NE(host.output().find("Drain timeout: closed 1 connections"), std::string::npos) << host.output();
    // The last lines, written out before the process left without waiting for the request.
    EXPECT_NE(host.output().find("A request is still running inside a plugin after the drain timeout; exiting without it"),
              std::string::npos)
        << host.output();
    EXPECT_TRUE(std::filesystem::is_empty(shadow.path())) << "the private copies were left behind";
}

/// Logging sections that send every message to `path` through a Poco `file_class`, directly
/// or through an AsyncChannel.
std::string log_file_ini(const std::string& file_class, const std::string& path, bool asynchronous) {
    return std::string("[logging.loggers.root]\nchannel = ") + (asynchronous ? "async" : "file") +
           "\nlevel = information\n[logging.channels.async]\nclass = AsyncChannel\nchannel = file\n"
           "[logging.channels.file]\nclass = " +
           file_class + "\npath = " + path + "\n";
}

TEST(HostApplication, LogFileThatCannotBeWrittenDoesNotStopRequests) {
    struct Case {
        std::string file_class;
        std::string path;
        bool asynchronous;
    };
    for (const Case& log : {Case{"FileChannel", "/nonexistent-folder/plugin-host.log", false},
                            Case{"FileChannel", "/proc/plugin-host.log", true},  // a read-only file system
                            Case{"SimpleFileChannel", "/proc/plugin-host.log", false}}) {
        SCOPED_TRACE(log.file_class + " " + log.path + (log.asynchronous ? " through AsyncChannel" : ""));
        HostProcess host(0, test_support::seed_plugins_ini() + log_file_ini(log.file_class, log.path, log.asynchronous));
        ASSERT_TRUE(host.wait_until_healthy()) << host.output();
        for (int i = 0; i < 3; ++i) EXPECT_EQ(post_json(host.port(), "/first", seed_body("first")).status, 200);
        host.signal(SIGTERM);
        EXPECT_EQ(host.wait_for(std::chrono::seconds(5)), std::optional<int>(0)) << host.output();
        EXPECT_NE(host.output().find("plugin-host: cannot write the log file " + log.path + ": "), std::string::npos)
            << host.output();
    }
}

TEST(HostApplication, LoggingResumesOnceTheLogFileCanBeWritten) {
    test_support::TempDir logs;
    const std::filesystem::path file = logs / "later" / "plugin-host.log";
    HostProcess host(0, test_support::seed_plugins_ini() + log_file_ini("FileChannel", file.string(), true));
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    EXPECT_EQ(post_json(host.port(), "/first", seed_body("first")).status, 200);
    std::filesystem::create_directory(logs / "later");
    // The file is tried again at most once a second, when a line is logged.
    EXPECT_TRUE(eventually([&] {
        EXPECT_EQ(post_json(host.port(), "/second", seed_body("second")).status, 200);
        return std::filesystem::exists(file) && std::filesystem::file_size(file) > 0;
    }));
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(5)), std::optional<int>(0));
    EXPECT_NE(host.output().find("plugin-host: writing the log file " + file.string() + " again; "), std::string::npos)
        << host.output();
}

TEST(HostApplication, ShippedLoggingWritesTheSeedLinesToStandardOutput) {
    std::ifstream shipped(test_paths::kDefaultConfig);
    const std::string text((std::istreambuf_iterator<char>(shipped)), std::istreambuf_iterator<char>());
    HostProcess host(0, test_support::seed_plugins_ini() + text.substr(text.find("[logging.loggers.root]")));
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    EXPECT_EQ(post_json(host.port(), "/second", seed_body("second")).status, 200);
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
    for (const std::string line : {"[Information] host.execution: Starting second\n",
                                   "[Information] host.repository: Executing second_first,second_second with data: second\n",
                                   "[Information] host.repository: Executed second_first,second_second\n",
                                   "[Information] host.execution: Finished second\n", "[Information] host: Stopped\n"}) {
        EXPECT_NE(host.output().find(line), std::string::npos) << line << "\n" << host.output();
    }
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

TEST(HostApplication, SighupReloadsWithThousandsOfConnectionsOpen) {
    // Each open connection holds a descriptor, so past a thousand of them every descriptor
    // the host makes is beyond what select() can take (glibc aborts the process for it).
    constexpr int kConnections = 1100;
    ASSERT_GT(test_support::raise_open_file_limit(), kConnections + 100u);
    test_support::TempDir elsewhere;  // a second plugin folder, new to the host
    test_support::publish_by_rename(test_paths::kSwapV1Plugin, elsewhere / "swap.so");
    const std::string admin = "[admin]\nenabled = true\n[plugins]\nsettle_ms = 50\n";
    const std::string server = "max_connections = 1200\n";
    HostProcess host(0, test_support::seed_plugins_ini() + admin, server, {.limits = {"--nofile=4096:4096"}});
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();

    std::vector<std::unique_ptr<test_support::RawClient>> idle;
    for (int i = 0; i < kConnections; ++i) {
        idle.push_back(std::make_unique<test_support::RawClient>(host.port()));
        ASSERT_TRUE(idle.back()->send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
        ASSERT_EQ(
            test_support::parse_responses(idle.back()->read_responses(1, test_support::scaled(std::chrono::seconds(5))).bytes)
                .size(),
            1u)
            << "connection " << i << "\n"
            << host.output();
    }
    ASSERT_GT(test_support::open_descriptors(host.pid()), static_cast<std::size_t>(kConnections));

    const std::string swap = "[plugin.swap]\nlibrary = " + (elsewhere / "swap.so").string() + "\n";
    host.rewrite_config(0, test_support::seed_plugins_ini() + admin + swap, server);
    host.signal(SIGHUP);
    ASSERT_TRUE(wait_for_body(host.port(), "/swap", R"({"version":"v1"})")) << host.output();
    const auto reloaded = test_support::send_request(host.port(), "POST", "/admin/reload", "{}");
    EXPECT_EQ(reloaded.status, 200) << reloaded.body;

    // A storm of reloads while connections come and go.
    for (int round = 0; round < 20; ++round) {
        host.signal(SIGHUP);
        idle[static_cast<std::size_t>(round)] = std::make_unique<test_support::RawClient>(host.port());
        EXPECT_EQ(test_support::send_request(host.port(), "GET", "/healthz").status, 200) << host.output();
    }
    // The new folder is watched: a new version published there is loaded by itself.
    test_support::publish_by_rename(test_paths::kSwapV2Plugin, elsewhere / "swap.so");
    EXPECT_TRUE(wait_for_body(host.port(), "/swap", R"({"version":"v2"})")) << host.output();

    idle.clear();
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(10)), std::optional<int>(0)) << host.output();
}

/// User and system CPU time process `pid` has used so far.
std::chrono::milliseconds cpu_time(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));  // after the command name
    std::string field;
    long ticks = 0;
    for (int index = 3; fields >> field && index <= 15; ++index) {
        if (index >= 14) ticks += std::stol(field);  // utime, stime
    }
    return std::chrono::milliseconds(ticks * 1000 / ::sysconf(_SC_CLK_TCK));
}

TEST(HostApplication, AnIdleHostUsesNoCpuAfterServingAConnection) {
    HostProcess host(0);
    ASSERT_TRUE(host.wait_until_healthy());
    EXPECT_EQ(post_json(host.port(), "/first", seed_body("first")).status, 200);
    ASSERT_TRUE(host.wait_for_output("connection threads ready"));
    const auto before = cpu_time(host.pid());
    std::this_thread::sleep_for(std::chrono::seconds(1));  // the window measured: the host is idle
    const auto used = cpu_time(host.pid()) - before;
    EXPECT_LT(used, std::chrono::milliseconds(200)) << "a thread spins while the host is idle";
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
}

TEST(HostApplication, SigintStopsCleanly) {
    HostProcess host(0);
    ASSERT_TRUE(host.wait_until_healthy());
    host.signal(SIGINT);
    EXPECT_EQ(host.wait(), 0);
}

TEST(HostApplication, SighupReloadsChangedPluginsAndTheConfiguration) {
    test_support::TempDir plugins;
    test_support::publish_by_rename(test_paths::kSwapV1Plugin, plugins / "swap.so");
    const std::string swap_only = "[plugins]\nwatch = false\npoll_interval_ms = 0\n[plugin.swap]\nlibrary = " +
                                  (plugins / "swap.so").string() + "\n";
    HostProcess host(0, swap_only);
    ASSERT_TRUE(host.wait_until_healthy());

    test_support::publish_by_rename(test_paths::kSwapV2Plugin, plugins / "swap.so");
    // A negative: a reload nothing asked for would have this long to happen.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(post_json(host.port(), "/swap", seed_body("s")).body, R"({"version":"v1"})");  // nothing watches
    host.signal(SIGHUP);
    EXPECT_TRUE(wait_for_body(host.port(), "/swap", R"({"version":"v2"})"));

    host.rewrite_config(0, swap_only + "[plugin.third]\nlibrary = " + test_paths::kThirdPlugin + "\n");
    host.signal(SIGHUP);
    EXPECT_TRUE(wait_for_body(host.port(), "/third", R"({"result":"third_first,third_second Executed"})"));

    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
}

}  // namespace
