// Tests of the plugin-host executable against the limits of its process: open files and threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "support/host_process.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/open_files.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"

#include <csignal>
#include <fstream>
#include <memory>
#include <vector>

namespace {

using test_support::HostProcess;
using test_support::post_json;
using test_support::seed_body;

/// User ids no process on the machine runs as, so that a per-user limit counts only the
/// server's own threads; one for each test, since the tests may run at the same time.
constexpr unsigned kThreadLimitedUser = 54321;
constexpr unsigned kStartlessUser = 54322;

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

/// Whether a seed request is answered 200 within 10 s (scaled), trying again while
/// connections are refused, reset or turned away.
bool served_within_ten_seconds(const HostProcess& host) {
    return test_support::eventually(
        [&] {
            try {
                return post_json(host.port(), "/first", seed_body("first")).status == 200;
            } catch (const std::exception&) {
                return false;
            }
        },
        std::chrono::seconds(10));
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
    HostProcess host(0, test_support::seed_plugins_ini(), "max_connections = 2000\n",
                     {.limits = {"--nofile=1000:1000"}});
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    EXPECT_TRUE(host.wait_for_output("[server] max_connections = 2000 needs about 2064 open files (one per "
                                     "connection), but the limit is 1000: the host serves at most 936 connections "
                                     "at once and answers more clients 503. Raise it: ulimit -n, or docker run "
                                     "--ulimit nofile=2064:2064"))
        << host.output();
    EXPECT_EQ(host.metric("plugin_host_connections_max"), 936);
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
}

TEST(HostApplication, ClientsBeyondWhatTheOpenFileLimitFitsAreAnswered503) {
    // 128 open files leave room for 64 connections beside the host's own 64 descriptors. A
    // 65th client would have no descriptor to be served with: it is answered 503 at once,
    // as at max_connections, instead of waiting unanswered in the listen queue.
    HostProcess host(0, test_support::seed_plugins_ini(), "max_connections = 1000\n",
                     {.limits = {"--nofile=128:128"}});
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    ASSERT_EQ(host.metric("plugin_host_connections_max"), 64);
    {
        // Connected before the request below, so accepted before it: the kernel's listen
        // queue is first in, first out.
        std::vector<std::unique_ptr<test_support::RawClient>> clients;
        for (int i = 0; i < 64; ++i) clients.push_back(std::make_unique<test_support::RawClient>(host.port()));
        const auto answer = post_json(host.port(), "/first", seed_body("first"));
        EXPECT_EQ(answer.status, 503) << answer.body;
        EXPECT_LE(test_support::open_descriptors(host.pid()), 128u);
        // An admitted connection is served.
        ASSERT_TRUE(clients.front()->send(test_support::seed_request_bytes("/first", "first")));
        const auto served = test_support::parse_responses(
            clients.front()->read_responses(1, test_support::scaled(std::chrono::seconds(5))).bytes);
        ASSERT_EQ(served.size(), 1u);
        EXPECT_EQ(served[0].status, 200);
    }  // the clients close: their descriptors come free
    EXPECT_TRUE(served_within_ten_seconds(host)) << host.output();
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(10)), std::optional<int>(0)) << host.output();
}

TEST(HostApplication, OutOfDescriptorsNewClientsWaitInTheQueueAndAreServedOnceOthersClose) {
#if defined(PLUGIN_HOST_SANITIZE_UNDEFINED)
    GTEST_SKIP() << "UndefinedBehaviorSanitizer checks a virtual call through a pipe it opens: in a process out of "
                    "descriptors it reports valid calls as 'invalid vptr'";
#endif
    // The host serves one connection (64 open files leave no more beside its own); the
    // clients it turns away hold a descriptor each while they are answered, until none is
    // left to accept with. It must neither crash nor spin, say why once, and accept the
    // waiting ones as soon as descriptors are free again.
    HostProcess host(0, test_support::seed_plugins_ini(), "max_connections = 200\n",
                     {.limits = {"--nofile=64:64"}});
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    {
        std::vector<std::unique_ptr<test_support::RawClient>> clients;
        for (int i = 0; i < 80; ++i) clients.push_back(std::make_unique<test_support::RawClient>(host.port()));
        ASSERT_TRUE(host.wait_for_output("Cannot accept new connections: Too many open files")) << host.output();
        EXPECT_LE(test_support::open_descriptors(host.pid()), 64u);
    }  // the clients close: the host's descriptors come free, and it accepts those still queued
    ASSERT_TRUE(test_support::eventually([&] { return test_support::open_descriptors(host.pid()) < 32; },
                                         std::chrono::seconds(10)))
        << test_support::open_descriptors(host.pid()) << " descriptors still open";
    // Clients still queued are accepted first; a new one is served after them.
    EXPECT_TRUE(served_within_ten_seconds(host)) << host.output();
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(std::chrono::seconds(10)), std::optional<int>(0)) << host.output();
}

TEST(HostApplication, AProcessLimitBelowTheWorkersIsNamedAtStartAndTheHostServes) {
    // As under a container's pids limit: the server's user may run 300 threads in all, fewer
    // than max_workers could need. Connections take no thread, so the host serves; a request
    // that found no worker to start would be answered 503.
    if (::geteuid() != 0) GTEST_SKIP() << "a thread limit that applies needs another user, which needs root";
    HostProcess host(0, test_support::seed_plugins_ini(), "max_connections = 1600\nmax_workers = 1024\n",
                     {.limits = {"--nproc=300:300"}, .run_as_user = kThreadLimitedUser});
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    EXPECT_TRUE(host.wait_for_output("[server] max_workers = 1024 needs about ")) << host.output();
    EXPECT_NE(host.output().find("RLIMIT_NPROC is 300 processes and threads for uid " +
                                 std::to_string(kThreadLimitedUser)),
              std::string::npos)
        << host.output();
    EXPECT_EQ(host.metric("plugin_host_connections_max"), 1600);
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
                                 " (ulimit -u; a container's pids limit does the same); [server] max_workers = 1600 "
                                 "needs about " + std::to_string(1600 + std::max(1U, std::thread::hardware_concurrency()) + 16) +
                                 "\n"),
              std::string::npos)
        << host.output();
    EXPECT_TRUE(std::filesystem::is_empty(shadow.path())) << "the private copies were left behind";
}

}  // namespace
