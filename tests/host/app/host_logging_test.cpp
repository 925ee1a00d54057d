// Tests of the plugin-host executable's logging: the shipped configuration, and log files that
// cannot be written.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>

namespace {

using test_support::eventually;
using test_support::HostProcess;
using test_support::post_json;
using test_support::seed_body;

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

}  // namespace
