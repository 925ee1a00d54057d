// Hot-swapping plugins in the running host, under continuous keep-alive load.
#include "app/host.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/keep_alive_load.hpp"
#include "support/log_capture.hpp"
#include "support/open_files.hpp"
#include "support/plugin_files.hpp"
#include "support/raw_client.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <thread>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test_support::eventually;
using test_support::post_json;
using test_support::publish_by_rename;
using test_support::publish_in_place;
using test_support::seed_body;
using test_support::send_request;

const auto kSwitchBound = test_support::scaled(5s);  // a published version must answer within this

/// A host serving `first` and `swap` from a plugin folder of the test's own.
class HotSwapTest : public ::testing::Test {
protected:
    void start(const std::string& plugins_section, const std::string& admin_section = "[admin]\nenabled = true\n") {
        publish_by_rename(test_paths::kSwapV1Plugin, swap_file_);
        host_.emplace(test_support::test_server_ini(5) + plugins_section + admin_section +
                      "[plugin.first]\nlibrary = " + test_paths::kFirstPlugin + "\n" +
                      "[plugin.swap]\nlibrary = " + swap_file_.string() + "\n");
    }

    std::uint16_t port() { return host_->port(); }

    std::string swap_body() { return post_json(port(), "/swap", seed_body("s")).body; }

    /// Waits until POST /swap answers `version`; returns how long that took.
    Clock::duration wait_for_version(const std::string& version) {
        const std::string expected = R"({"version":")" + version + "\"}";
        const auto started = Clock::now();
        eventually([&] { return swap_body() == expected; }, kSwitchBound);
        return Clock::now() - started;
    }

    /// Waits until GET /admin/plugins mentions `text`.
    bool wait_for_admin_text(const std::string& text) {
        return eventually(
            [&] { return send_request(port(), "GET", "/admin/plugins").body.find(text) != std::string::npos; },
            kSwitchBound);
    }

    /// Waits until no old version drains; returns the mapped plugin images then.
    std::size_t mapped_images_once_drained() {
        eventually(
            [&] { return send_request(port(), "GET", "/admin/plugins").body.find("\"draining\":[{") == std::string::npos; },
            10s);
        return test_support::mapped_files_under(host_->host().plugins().shadow_folder());
    }

    test_support::LogCapture log_;
    test_support::TempDir folder_;
    std::filesystem::path swap_file_ = folder_ / "swap.so";
    std::optional<test_support::RunningHost> host_;
};

constexpr const char* kWatchFast = "[plugins]\nwatch = true\npoll_interval_ms = 1000\nsettle_ms = 100\n";

TEST_F(HotSwapTest, FiftyRenamesAndSomeInPlaceCopiesUnderLoadFailNoRequestAndLeakNoLibrary) {
    start(kWatchFast);
    ASSERT_EQ(swap_body(), R"({"version":"v1"})");
    const std::size_t mapped_at_start = test_support::mapped_files_under(host_->host().plugins().shadow_folder());
    EXPECT_EQ(mapped_at_start, 2u);  // first and swap

    test_support::KeepAliveLoad swap_load(port(), "/swap", 6);
    test_support::KeepAliveLoad first_load(port(), "/first", 2);
    Clock::duration slowest{};
    for (int swap = 1; swap <= 56; ++swap) {
        const bool to_v2 = swap % 2 == 1;
        const char* source = to_v2 ? test_paths::kSwapV2Plugin : test_paths::kSwapV1Plugin;
        if (swap > 50) {
            publish_in_place(source, swap_file_);
        } else {
            publish_by_rename(source, swap_file_);
        }
        const auto took = wait_for_version(to_v2 ? "v2" : "v1");
        ASSERT_LT(took, kSwitchBound) << "swap " << swap << " did not take effect";
        slowest = std::max(slowest, took);
    }
    swap_load.stop();
    first_load.stop();

    EXPECT_EQ(swap_load.failed() + first_load.failed(), 0u) << ::testing::PrintToString(swap_load.failures());
    EXPECT_GT(swap_load.completed(), 500u);
    EXPECT_GT(first_load.completed(), 100u);
    EXPECT_TRUE(log_.contains_text("[watcher]"));
    EXPECT_LE(mapped_images_once_drained(), mapped_at_start);
    std::cout << "56 swaps, " << swap_load.completed() + first_load.completed() << " requests, slowest switch "
              << std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count() << " ms\n";
}

TEST_F(HotSwapTest, EveryBrokenVersionIsRefusedUnderLoadWhileTheOldOneServes) {
    start(kWatchFast);
    test_support::KeepAliveLoad swap_load(port(), "/swap", 4);
    test_support::KeepAliveLoad first_load(port(), "/first", 2);

    const test_support::TempDir scratch;
    std::ofstream(scratch / "not-elf.so") << "this is not a shared object\n";
    std::filesystem::copy_file(test_paths::kSwapV2Plugin, scratch / "truncated.so");
    std::filesystem::resize_file(scratch / "truncated.so", std::filesystem::file_size(scratch / "truncated.so") / 2);

    const std::vector<std::pair<std::filesystem::path, std::string>> broken{
        {scratch / "not-elf.so", "is not an ELF file"},
        {scratch / "truncated.so", "is truncated"},
        {test_paths::kContractV99Plugin, "was built for plugin contract 99, this host speaks contract 2.3"},
        {test_paths::kNoFactoryPlugin, "does not export plugin_api_create"},
        {test_paths::kUnresolvedSymbolPlugin, "undefined symbol: plugin_host_test_function_that_does_not_exist"},
        {test_paths::kFailingRegistrationPlugin, "failed to register its endpoints: database unreachable"},
        {test_paths::kClaimsFirstPlugin, "POST /first of plugin 'first' and POST /first of plugin 'swap' are the same route"},
    };
    for (const auto& [file, reason] : broken) {
        publish_by_rename(file, swap_file_);
        EXPECT_TRUE(wait_for_admin_text(reason)) << "no refusal saying: " << reason;
        EXPECT_TRUE(std::ranges::any_of(log_.lines(), [&reason](const std::string& line) {
            return line.find(reason) != std::string::npos && line.ends_with("; generation 1 keeps serving");
        })) << reason;
        EXPECT_EQ(swap_body(), R"({"version":"v1"})") << reason;
    }
    EXPECT_EQ(post_json(port(), "/first", seed_body("first")).body,
              R"({"result":"first_first,first_second Executed"})");

    publish_by_rename(test_paths::kSwapV2Plugin, swap_file_);  // a good version is taken again
    EXPECT_LT(wait_for_version("v2"), kSwitchBound);
    swap_load.stop();
    first_load.stop();
    EXPECT_EQ(swap_load.failed() + first_load.failed(), 0u) << ::testing::PrintToString(swap_load.failures());
    EXPECT_GT(swap_load.completed(), 100u);
}

TEST_F(HotSwapTest, RequestsInsideTheOldVersionFinishOnIt) {
    publish_by_rename(test_paths::kSwapV1Plugin, swap_file_);
    host_.emplace(test_support::test_server_ini(1500) + kWatchFast + "[admin]\nenabled = true\n" +
                  "[plugin.swap]\nlibrary = " + swap_file_.string() + "\n");
    auto slow = std::async(std::launch::async, [this] { return swap_body(); });
    // The request waits in the repository, inside v1.
    ASSERT_TRUE(eventually([this] { return host_->metric("plugin_host_requests_in_flight") == 1; }));
    publish_by_rename(test_paths::kSwapV2Plugin, swap_file_);
    ASSERT_TRUE(wait_for_admin_text(R"("generation":2)"));
    EXPECT_TRUE(wait_for_admin_text(R"("draining":[{"generation":1)"));  // v1 is still in use
    EXPECT_EQ(slow.get(), R"({"version":"v1"})");
    EXPECT_EQ(swap_body(), R"({"version":"v2"})");
    EXPECT_TRUE(wait_for_admin_text(R"("draining":[])"));
    EXPECT_TRUE(log_.contains("host.plugins: Unloaded plugin 'swap' generation 1"));
}

TEST_F(HotSwapTest, PeriodicCheckCatchesAChangeTheWatcherDoesNotReport) {
    start("[plugins]\nwatch = true\npoll_interval_ms = 300\nsettle_ms = 50\n");
    // Written through a hard link in another folder: inotify reports it to that folder only.
    const test_support::TempDir elsewhere;
    std::filesystem::create_hard_link(swap_file_, elsewhere / "alias.so");
    publish_in_place(test_paths::kSwapV2Plugin, elsewhere / "alias.so");
    EXPECT_LT(wait_for_version("v2"), kSwitchBound);
    EXPECT_TRUE(log_.contains_text("[periodic check]"));
    EXPECT_FALSE(log_.contains_text("[watcher]"));
}

TEST_F(HotSwapTest, AdminReloadLoadsAChangedFileAndAnswersWhatItDid) {
    start("[plugins]\nwatch = false\npoll_interval_ms = 0\n");
    // Nothing watches: no inotify descriptor is open to be told of the new version by.
    EXPECT_EQ(test_support::inotify_descriptors(::getpid()), 0u);
    publish_by_rename(test_paths::kSwapV2Plugin, swap_file_);
    EXPECT_EQ(swap_body(), R"({"version":"v1"})");

    // The reload is what loads it: its answer and generation 2's log line say so, and no
    // other trigger ever loaded a version.
    const auto response = send_request(port(), "POST", "/admin/reload", "", "application/json");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body,
              R"({"ok":true,"loaded":["swap"],"removed":[],"unchanged":["first"],"refused":[],"config_error":null})");
    EXPECT_EQ(swap_body(), R"({"version":"v2"})");
    EXPECT_TRUE(std::ranges::any_of(log_.lines(), [](const std::string& line) {
        return line.find("Loaded plugin 'swap' generation 2") != std::string::npos &&
               line.find(" [reload]") != std::string::npos;
    }));
    EXPECT_FALSE(log_.contains_text("[watcher]"));
    EXPECT_FALSE(log_.contains_text("[periodic check]"));
}

TEST_F(HotSwapTest, AdminReloadAnswersThePostCurlSendsWithoutABody) {
    // `curl -X POST .../admin/reload`, as docs/hot-swap.md has it: no Content-Length, no
    // Transfer-Encoding, so a body of length zero (RFC 9112 §6.3).
    start("[plugins]\nwatch = false\npoll_interval_ms = 0\n");
    publish_by_rename(test_paths::kSwapV2Plugin, swap_file_);
    test_support::RawClient client(port());
    client.send("POST /admin/reload HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port()) +
                "\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n");
    const auto responses = test_support::parse_responses(client.read_responses(1, test_support::scaled(10s)).bytes);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 200) << responses[0].body;
    EXPECT_EQ(swap_body(), R"({"version":"v2"})");
}

TEST_F(HotSwapTest, AdminReloadReportsARefusalWith409) {
    start("[plugins]\nwatch = false\npoll_interval_ms = 0\n");
    publish_by_rename(test_paths::kContractV99Plugin, swap_file_);
    const auto response = send_request(port(), "POST", "/admin/reload", "", "application/json");
    EXPECT_EQ(response.status, 409);
    EXPECT_NE(response.body.find(R"("refused":[{"plugin":"swap","reason":"plugin 'swap' ()"), std::string::npos)
        << response.body;
    EXPECT_EQ(swap_body(), R"({"version":"v1"})");
}

TEST_F(HotSwapTest, AdminPluginsShowsFileGenerationRoutesAndRefusal) {
    start("[plugins]\nwatch = false\npoll_interval_ms = 0\n");
    const auto response = send_request(port(), "GET", "/admin/plugins");
    EXPECT_EQ(response.status, 200);
    EXPECT_NE(response.body.find(R"({"name":"swap","file":")" + swap_file_.string() +
                                 R"(","configured":true,"loaded":true,"generation":1,"loaded_at":")"),
              std::string::npos)
        << response.body;
    EXPECT_NE(response.body.find(R"("routes":["POST /swap"],"filters":[],"last_refusal":null,"draining":[])"), std::string::npos)
        << response.body;
}

TEST_F(HotSwapTest, NothingInARequestCanNameAFileToLoad) {
    start("[plugins]\nwatch = false\npoll_interval_ms = 0\n");
    const std::string other = test_paths::kSwapV2Plugin;
    const std::string body = R"({"plugin":"swap","library":")" + other + R"(","file":")" + other + "\"}";
    for (const std::string& target : {std::string("/admin/reload"), "/admin/reload?library=" + other, "/admin/reload?file=" + other}) {
        const auto response = send_request(port(), "POST", target, body, "application/json");
        EXPECT_EQ(response.status, 200) << target;
        EXPECT_EQ(response.body, R"({"ok":true,"loaded":[],"removed":[],"unchanged":["first","swap"],"refused":[],"config_error":null})")
            << target;
    }
    EXPECT_EQ(send_request(port(), "GET", "/admin/plugins?file=" + other).body.find(other), std::string::npos);
    EXPECT_EQ(swap_body(), R"({"version":"v1"})");
    EXPECT_EQ(post_json(port(), other, seed_body("s")).status, 404);  // a file path is just an unknown route
}

TEST_F(HotSwapTest, AdminEndpointsAreOffByDefault) {
    start("[plugins]\nwatch = false\n", "");
    EXPECT_EQ(send_request(port(), "GET", "/admin/plugins").status, 404);
    EXPECT_EQ(send_request(port(), "POST", "/admin/reload", "", "application/json").status, 404);
}

TEST_F(HotSwapTest, ConfigReloadMovesAndRemovesEndpoints) {
    start("[plugins]\nwatch = false\npoll_interval_ms = 0\n");
    // Rewrite server.ini: swap moves to /moved, first is removed.
    const std::filesystem::path config = host_->host().config_file();
    std::ofstream(config) << test_support::test_server_ini(5) << "[admin]\nenabled = true\n"
                          << "[plugin.swap]\nlibrary = " << swap_file_.string() << "\nroute = /moved\n";
    const auto response = send_request(port(), "POST", "/admin/reload", "", "application/json");
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.body,
              R"({"ok":true,"loaded":["swap"],"removed":["first"],"unchanged":[],"refused":[],"config_error":null})");
    EXPECT_EQ(post_json(port(), "/swap", seed_body("s")).status, 404);
    EXPECT_EQ(post_json(port(), "/first", seed_body("s")).status, 404);
    EXPECT_EQ(post_json(port(), "/moved", seed_body("s")).body, R"({"version":"v1"})");
}

TEST_F(HotSwapTest, BrokenConfigOnReloadChangesNothing) {
    start("[plugins]\nwatch = false\npoll_interval_ms = 0\n");
    std::ofstream(host_->host().config_file()) << "[server]\nport = eighty\n";
    const auto response = send_request(port(), "POST", "/admin/reload", "", "application/json");
    EXPECT_EQ(response.status, 409);
    EXPECT_NE(response.body.find(R"(port: \"eighty\" is not a whole number)"), std::string::npos) << response.body;
    EXPECT_EQ(swap_body(), R"({"version":"v1"})");
    EXPECT_EQ(post_json(port(), "/first", seed_body("first")).status, 200);
}

}  // namespace
}  // namespace plugin_host
