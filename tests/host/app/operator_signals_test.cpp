// The signals operators and their tools send besides the stop signals and SIGHUP: SIGUSR1
// reopens the log files (logrotate's postrotate), and every other signal whose default
// action would end the process is logged and ignored, never bypassing the exit path.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"

#include <csignal>
#include <fstream>
#include <future>
#include <sstream>

namespace {

using test_support::eventually;
using test_support::HostProcess;

std::string text_of(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Logging to `log` through the buffered channel, as docs/configuration.md shows it.
std::string file_logging(const std::filesystem::path& log) {
    return "[logging.loggers.root]\nchannel = buffered\nlevel = information\n"
           "[logging.channels.buffered]\nclass = BufferedAsyncChannel\nchannel = file\ninterval_ms = 10\n"
           "[logging.channels.file]\nclass = FileChannel\npath = " + log.string() + "\n";
}

TEST(OperatorSignals, SigusrOneReopensTheLogFilesAsLogrotatesPostrotateExpects) {
    test_support::TempDir dir;
    const std::filesystem::path log = dir / "host.log";
    HostProcess host(0, test_support::seed_plugins_ini() + file_logging(log));
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    ASSERT_TRUE(eventually([&] { return text_of(log).find("Listening on") != std::string::npos; }));

    std::filesystem::rename(log, dir / "host.log.1");  // what logrotate does before postrotate
    host.signal(SIGUSR1);
    ASSERT_TRUE(eventually([&] { return text_of(log).find("Reopened 1 log files after SIGUSR1") != std::string::npos; }))
        << "rotated: " << text_of(dir / "host.log.1") << "\noutput: " << host.output();
    EXPECT_EQ(test_support::post_json(host.port(), "/first", test_support::seed_body("rotated")).status, 200);
    EXPECT_TRUE(eventually([&] { return text_of(log).find("Executing first_first,first_second with data: rotated") !=
                                        std::string::npos; }));
    const std::string rotated = text_of(dir / "host.log.1");
    EXPECT_NE(rotated.find("Listening on"), std::string::npos);
    EXPECT_EQ(rotated.find("with data: rotated"), std::string::npos) << "written to the rotated file";

    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(5)), std::optional<int>(0)) << host.output();
    EXPECT_NE(text_of(log).find("Stopped"), std::string::npos);
}

TEST(OperatorSignals, EverySignalThatWouldEndTheProcessByDefaultIsLoggedAndIgnored) {
    HostProcess host(0);
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    for (const auto& [signal, name] : std::vector<std::pair<int, std::string>>{
             {SIGUSR2, "SIGUSR2"}, {SIGALRM, "SIGALRM"}, {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"},
             {SIGIO, "SIGPOLL"}, {SIGPWR, "SIGPWR"}, {SIGSTKFLT, "SIGSTKFLT"}, {SIGXCPU, "SIGXCPU"},
             {SIGXFSZ, "SIGXFSZ"}, {SIGRTMIN, "SIGRTMIN"}, {SIGRTMIN + 5, "SIGRTMIN+5"}, {SIGRTMAX, "SIGRTMIN+30"}}) {
        host.signal(signal);
        ASSERT_TRUE(host.wait_for_output("Received " + name + ", which means nothing to plugin-host: ignored"))
            << name << "\n" << host.output();
        ASSERT_FALSE(host.wait_for(std::chrono::milliseconds(0)).has_value()) << name << " ended the process";
    }
    host.signal(SIGPIPE);  // ignored outright: a write to a closed connection fails with EPIPE instead
    // A signal sent after it, once its effect shows, says the SIGPIPE has been dealt with too.
    host.signal(SIGUSR2);
    ASSERT_TRUE(eventually([&] {
        const std::string output = host.output();
        const auto first = output.find("Received SIGUSR2");
        return first != std::string::npos && output.find("Received SIGUSR2", first + 1) != std::string::npos;
    })) << host.output();
    ASSERT_FALSE(host.wait_for(std::chrono::milliseconds(0)).has_value()) << "SIGPIPE ended the process";
    EXPECT_EQ(test_support::post_json(host.port(), "/first", test_support::seed_body("f")).status, 200);

    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(5)), std::optional<int>(0)) << host.output();
    EXPECT_NE(host.output().find("Stopped"), std::string::npos);
}

TEST(OperatorSignals, ASecondStopSignalWhileStoppingIsLoggedAndTheDrainGoesOn) {
    HostProcess host(800, test_support::seed_plugins_ini(), "drain_timeout_ms = 5000\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    auto in_flight = std::async(std::launch::async, [port = host.port()] {
        return test_support::post_json(port, "/first", test_support::seed_body("first")).status;
    });
    ASSERT_TRUE(eventually([&] { return host.metric("plugin_host_requests_in_flight") == 2; }));
    host.signal(SIGTERM);
    ASSERT_TRUE(host.wait_for_output("Stopped accepting"));
    host.signal(SIGINT);
    EXPECT_TRUE(host.wait_for_output("Received SIGINT while stopping already")) << host.output();
    EXPECT_EQ(in_flight.get(), 200);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(5)), std::optional<int>(0)) << host.output();
}

}  // namespace
