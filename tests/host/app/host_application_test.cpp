// Tests of the plugin-host executable itself: options, start-up errors, signals.
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/plugin_files.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <future>
#include <thread>

namespace {

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

/// A plugin-host process serving the seed plugins on a free loopback port.
class HostProcess {
public:
    explicit HostProcess(int delay_ms, const std::string& extra_ini = test_support::seed_plugins_ini())
        : port_(free_port()),
          config_(write_config(dir_, config_text(delay_ms, extra_ini))),
          process_(Poco::Process::launch(test_paths::kHostExecutable, {"--config", config_.string()})) {}

    /// Replaces the process's server.ini (read again on SIGHUP).
    void rewrite_config(int delay_ms, const std::string& extra_ini) const {
        write_config(dir_, config_text(delay_ms, extra_ini));
    }

    ~HostProcess() {
        if (Poco::Process::isRunning(process_)) Poco::Process::kill(process_);
    }

    bool wait_until_healthy() const {
        for (int attempt = 0; attempt < 100; ++attempt) {
            try {
                if (test_support::send_request(port_, "GET", "/healthz").status == 200) return true;
            } catch (const Poco::Exception&) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    void signal(int number) const { ::kill(process_.id(), number); }
    int wait() const { return process_.wait(); }
    std::uint16_t port() const { return port_; }

private:
    std::string config_text(int delay_ms, const std::string& extra_ini) const {
        return "[server]\naddress = 127.0.0.1\nport = " + std::to_string(port_) +
               "\nmax_connections = 32\n[repository]\ndelay_ms = " + std::to_string(delay_ms) + "\n" + extra_ini;
    }

    test_support::TempDir dir_;
    std::uint16_t port_;
    std::filesystem::path config_;
    Poco::ProcessHandle process_;
};

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

TEST(HostApplication, InvalidLoggingConfigurationIsReported) {
    test_support::TempDir dir;
    const auto config = write_config(dir, "[server]\nport = 0\n" + test_support::seed_plugins_ini() +
                                              "[logging.channels.c]\nclass = NoSuchChannel\n");
    const Finished finished = run_host({"--config", config.string()});
    EXPECT_EQ(finished.exit_code, 78);
    EXPECT_NE(finished.err.find("[logging.*]"), std::string::npos) << finished.err;
    EXPECT_NE(finished.err.find("NoSuchChannel"), std::string::npos) << finished.err;
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
    EXPECT_NE(log.find("[server] max_connections = 2000 needs about 4320 open files (two per idle keep-alive "
                       "connection), but the limit is 1000"),
              std::string::npos)
        << log;
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
