// Tests of the plugin-host executable itself: options, start-up errors, signals.
#include <gtest/gtest.h>

#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/keep_alive_load.hpp"
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

using test_support::HostProcess;
using test_support::post_json;
using test_support::seed_body;

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

std::uint16_t free_port() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
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
    HostProcess root_owned(0, test_support::seed_plugins_ini(), "", kServerUser);
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
                           kServerUser);
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
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
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
    test_support::TempDir dir;
    const std::uint16_t port = free_port();
    const auto config = write_config(dir, "[server]\naddress = 127.0.0.1\nport = " + std::to_string(port) +
                                              "\nmax_connections = 16\n" + test_support::seed_plugins_ini());
    Poco::ProcessHandle process = Poco::Process::launch(
        "/bin/sh", {"-c", "ulimit -Sn 256 && exec \"$0\" --config \"$1\"", test_paths::kHostExecutable, config.string()});
    bool healthy = false;
    for (int attempt = 0; attempt < 100 && !healthy; ++attempt) {
        try {
            healthy = test_support::send_request(port, "GET", "/healthz").status == 200;
        } catch (const Poco::Exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    ASSERT_TRUE(healthy);
    const auto [soft, hard] = open_file_limits(process.id());
    EXPECT_NE(soft, "256");
    EXPECT_EQ(soft, hard);
    ::kill(process.id(), SIGTERM);
    EXPECT_EQ(process.wait(), 0);
}

TEST(HostApplication, WarnsWhenTheConnectionCapacityCannotFitTheOpenFileLimit) {
    test_support::TempDir dir;
    const std::uint16_t port = free_port();
    const auto config = write_config(dir, "[server]\naddress = 127.0.0.1\nport = " + std::to_string(port) +
                                              "\nmax_connections = 2000\nprestart_threads = false\n" +
                                              test_support::seed_plugins_ini());
    Poco::Pipe out;
    Poco::ProcessHandle process = Poco::Process::launch(
        "/bin/sh", {"-c", "ulimit -n 1000 && exec \"$0\" --config \"$1\"", test_paths::kHostExecutable, config.string()},
        nullptr, &out, &out);
    bool healthy = false;
    for (int attempt = 0; attempt < 100 && !healthy; ++attempt) {
        try {
            healthy = test_support::send_request(port, "GET", "/healthz").status == 200;
        } catch (const Poco::Exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    ::kill(process.id(), SIGTERM);
    Poco::PipeInputStream stream(out);
    std::string log;
    Poco::StreamCopier::copyToString(stream, log);
    EXPECT_EQ(process.wait(), 0);
    EXPECT_TRUE(healthy);
    EXPECT_NE(log.find("[server] max_connections = 2000 needs about 6320 open files (three per idle keep-alive "
                       "connection), but the limit is 1000"),
              std::string::npos)
        << log;
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

    std::this_thread::sleep_for(std::chrono::milliseconds(1700));  // requests in flight now
    const auto signalled = std::chrono::steady_clock::now();
    host.signal(SIGTERM);
    const std::optional<int> exit_code = host.wait_for(std::chrono::seconds(8));
    const auto exited_after = std::chrono::steady_clock::now() - signalled;
    for (auto& load : loads) load->stop();

    ASSERT_TRUE(exit_code.has_value()) << "still running 8 s after SIGTERM";
    EXPECT_EQ(*exit_code, 0) << host.output();
    EXPECT_LT(exited_after, std::chrono::seconds(3));
    std::uint64_t completed = 0;
    for (const auto& load : loads) {
        EXPECT_EQ(load->failed_sent_before(signalled), 0u) << ::testing::PrintToString(load->failures());
        completed += load->completed();
    }
    EXPECT_GE(completed, 18u * 3);  // three rounds of 18 clients before the signal
    EXPECT_TRUE(idle.read_until_closed(std::chrono::seconds(1)).closed);
}

TEST(HostApplication, SigtermCutsARequestThatOutlivesTheDrainTimeoutAndStillExitsZero) {
    HostProcess host(5000, test_support::seed_plugins_ini(), "drain_timeout_ms = 500\n");
    ASSERT_TRUE(host.wait_until_healthy());
    auto too_slow = std::async(std::launch::async, [port = host.port()] {
        try {
            return post_json(port, "/first", seed_body("first")).status;
        } catch (const Poco::Exception&) {
            return 0;  // cut
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto signalled = std::chrono::steady_clock::now();
    host.signal(SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // draining now: no new client is served
    EXPECT_THROW(post_json(host.port(), "/second", seed_body("second")), Poco::Exception);
    const std::optional<int> exit_code = host.wait_for(std::chrono::seconds(4));
    const auto exited_after = std::chrono::steady_clock::now() - signalled;

    ASSERT_TRUE(exit_code.has_value()) << "still running 4 s after SIGTERM";
    EXPECT_EQ(*exit_code, 0) << host.output();
    EXPECT_LT(exited_after, std::chrono::milliseconds(500 + 1000 + 800));  // drain + grace + margin
    EXPECT_NE(too_slow.get(), 200);
    EXPECT_NE(host.output().find("Drain timeout: closed 1 connections"), std::string::npos) << host.output();
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
    bool written = false;
    for (int attempt = 0; attempt < 40 && !written; ++attempt) {  // retried once a second
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        EXPECT_EQ(post_json(host.port(), "/second", seed_body("second")).status, 200);
        written = std::filesystem::exists(file) && std::filesystem::file_size(file) > 0;
    }
    EXPECT_TRUE(written);
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(5)), std::optional<int>(0));
    EXPECT_NE(host.output().find("plugin-host: writing the log file " + file.string() + " again; "), std::string::npos)
        << host.output();
}

TEST(HostApplication, ShippedLoggingWritesTheSeedLinesToStandardOutput) {
    std::ifstream shipped(test_paths::kDefaultConfig);
    const std::string text((std::istreambuf_iterator<char>(shipped)), std::istreambuf_iterator<char>());
    const std::string logging = text.substr(text.find("[logging.loggers.root]"));
    test_support::TempDir dir;
    const std::uint16_t port = free_port();
    const auto config = write_config(dir, "[server]\naddress = 127.0.0.1\nport = " + std::to_string(port) +
                                              "\nmax_connections = 16\n[repository]\ndelay_ms = 0\n" +
                                              test_support::seed_plugins_ini() + logging);
    Poco::Pipe out;
    Poco::ProcessHandle process =
        Poco::Process::launch(test_paths::kHostExecutable, {"--config", config.string()}, nullptr, &out, nullptr);
    bool answered = false;
    for (int attempt = 0; attempt < 100 && !answered; ++attempt) {
        try {
            answered = post_json(port, "/second", seed_body("second")).status == 200;
        } catch (const Poco::Exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    ::kill(process.id(), SIGTERM);
    Poco::PipeInputStream stream(out);
    std::string log;
    Poco::StreamCopier::copyToString(stream, log);
    EXPECT_EQ(process.wait(), 0);
    ASSERT_TRUE(answered);
    for (const std::string line : {"[Information] host.execution: Starting second\n",
                                   "[Information] host.repository: Executing second_first,second_second with data: second\n",
                                   "[Information] host.repository: Executed second_first,second_second\n",
                                   "[Information] host.execution: Finished second\n", "[Information] host: Stopped\n"}) {
        EXPECT_NE(log.find(line), std::string::npos) << line << "\n" << log;
    }
}

TEST(HostApplication, SigintStopsCleanly) {
    HostProcess host(0);
    ASSERT_TRUE(host.wait_until_healthy());
    host.signal(SIGINT);
    EXPECT_EQ(host.wait(), 0);
}

/// Waits (bounded) until `path` answers `expected_body`.
bool wait_for_body(std::uint16_t port, const std::string& path, const std::string& expected_body) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        if (post_json(port, path, seed_body("s")).body == expected_body) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

TEST(HostApplication, SighupReloadsChangedPluginsAndTheConfiguration) {
    test_support::TempDir plugins;
    test_support::publish_by_rename(test_paths::kSwapV1Plugin, plugins / "swap.so");
    const std::string swap_only = "[plugins]\nwatch = false\npoll_interval_ms = 0\n[plugin.swap]\nlibrary = " +
                                  (plugins / "swap.so").string() + "\n";
    HostProcess host(0, swap_only);
    ASSERT_TRUE(host.wait_until_healthy());

    test_support::publish_by_rename(test_paths::kSwapV2Plugin, plugins / "swap.so");
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
