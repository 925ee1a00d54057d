// The kv example plugin across a hot swap, through the real executable on a loopback port:
// its keys are handed to the new version (keep_state) while clients keep writing and
// reading, and a version that does not know the state's format starts empty.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/plugin_files.hpp"
#include "support/temp_dir.hpp"
#include "test_paths.hpp"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace {

using test_support::ClientResponse;
using test_support::HostProcess;
using test_support::send_request;

/// A value of any bytes for `key`: a NUL, a 0xff and the key itself.
std::string value_of(const std::string& key) { return std::string("\x00\xff", 2) + key; }

/// kv from a folder of the test's own, so that it can be swapped; the host logs what it does.
class KvSwapTest : public ::testing::Test {
protected:
    void SetUp() override {
        test_support::publish_by_rename(test_paths::kKvPlugin, kv_file_);
        host_.emplace(0, "[plugins]\nsettle_ms = 50\n[plugin.kv]\nlibrary = " + kv_file_.string() + "\n");
        ASSERT_TRUE(host_->wait_until_healthy()) << host_->output();
    }

    void TearDown() override {
        host_->signal(SIGTERM);
        EXPECT_EQ(host_->wait(), 0) << host_->output();
    }

    /// Publishes `build` as kv's file, with other bytes (an identical file is not reloaded),
    /// and waits until the host has loaded it as generation 2.
    void swap_to(const std::filesystem::path& build) {
        std::filesystem::copy_file(build, folder_ / "rebuilt.so");
        std::ofstream(folder_ / "rebuilt.so", std::ios::app) << "another build";
        test_support::publish_by_rename(folder_ / "rebuilt.so", kv_file_);
        ASSERT_TRUE(host_->wait_for_output("Loaded plugin 'kv' generation 2", std::chrono::seconds(20))) << host_->output();
    }

    ClientResponse put(const std::string& key) {
        return send_request(host_->port(), "PUT", "/kv/" + key, value_of(key), "application/octet-stream");
    }

    test_support::TempDir folder_;
    std::filesystem::path kv_file_ = folder_ / "kv.so";
    std::optional<HostProcess> host_;
};

TEST_F(KvSwapTest, EveryKeyWrittenBeforeAndDuringASwapUnderLoadReadsBackAfterIt) {
    constexpr int kStoredFirst = 500;
    std::map<std::string, std::string> etags;  // key → the ETag its PUT answered
    for (int index = 0; index < kStoredFirst; ++index) {
        const std::string key = "before-" + std::to_string(index);
        const ClientResponse stored = put(key);
        ASSERT_EQ(stored.status, 201) << key;
        etags[key] = stored.headers.get("ETag");
    }

    // Client threads: each PUTs a new key, then GETs a key stored before and checks its value,
    // over and over; anything but 201 and 200 with the right bytes is a failure.
    std::atomic<bool> stopping{false};
    std::atomic<int> requests{0};
    std::mutex mutex;  // guards failures and written
    std::vector<std::string> failures;
    std::map<std::string, std::string> written;
    std::vector<std::thread> clients;
    for (int client = 0; client < 4; ++client) {
        clients.emplace_back([&, client] {
            for (int round = 0; !stopping; ++round) {
                const std::string key = "during-" + std::to_string(client) + "-" + std::to_string(round);
                const std::string known = "before-" + std::to_string((round * 7 + client) % kStoredFirst);
                std::string failure;
                try {
                    const ClientResponse stored = put(key);
                    if (stored.status == 201) {
                        std::lock_guard lock(mutex);
                        written[key] = stored.headers.get("ETag");
                    } else {
                        failure = "PUT " + key + ": " + std::to_string(stored.status);
                    }
                    const ClientResponse got = send_request(host_->port(), "GET", "/kv/" + known);
                    if (got.status != 200 || got.body != value_of(known)) {
                        failure += " GET " + known + ": " + std::to_string(got.status) + " " + got.body;
                    }
                } catch (const std::exception& error) {
                    failure += std::string(" ") + error.what();
                }
                requests += 2;
                if (!failure.empty()) {
                    std::lock_guard lock(mutex);
                    failures.push_back(failure);
                }
            }
        });
    }

    ASSERT_TRUE(test_support::eventually([&] { return requests >= 200; }));
    swap_to(test_paths::kKvPlugin);
    const int after_swap = requests;
    EXPECT_TRUE(test_support::eventually([&] { return requests >= after_swap + 200; }));
    stopping = true;
    for (std::thread& client : clients) client.join();

    EXPECT_TRUE(failures.empty()) << failures.size() << " failed, the first: " << failures.front();
    EXPECT_TRUE(host_->wait_for_output("Handed the state of plugin 'kv' generation 1 to generation 2")) << host_->output();
    EXPECT_TRUE(host_->wait_for_output("Saved ")) << host_->output();
    EXPECT_TRUE(host_->wait_for_output("Restored ")) << host_->output();
    // The host waited for the old version's last request, not out its lifecycle_timeout_ms.
    EXPECT_EQ(host_->output().find("still has requests running"), std::string::npos) << host_->output();
    std::cout << kStoredFirst << " keys stored before the swap, " << written.size() << " during, " << requests
              << " requests under load\n";

    // Every key, with its bytes, its media type and its ETag.
    etags.merge(written);
    for (const auto& [key, etag] : etags) {
        const ClientResponse got = send_request(host_->port(), "GET", "/kv/" + key);
        ASSERT_EQ(got.status, 200) << key << " is gone after the swap";
        EXPECT_EQ(got.body, value_of(key)) << key;
        EXPECT_EQ(got.headers.get("Content-Type"), "application/octet-stream") << key;
        EXPECT_EQ(got.headers.get("ETag"), etag) << key;
    }
    // ETags go on counting: a new PUT's is above every one handed over.
    const ClientResponse next = put("after");
    EXPECT_EQ(next.headers.get("ETag"), "\"" + std::to_string(etags.size() + 1) + "\"");
}

TEST_F(KvSwapTest, AVersionThatDoesNotKnowTheStateFormatStartsEmptySayingWhy) {
    ASSERT_EQ(put("k").status, 201);
    swap_to(test_paths::kKvStateFormat2Plugin);
    EXPECT_TRUE(host_->wait_for_output(
        "The restore of plugin 'kv' generation 2 threw: kv state format 1 is unknown to this version, which reads format 2"))
        << host_->output();
    EXPECT_TRUE(host_->wait_for_output("plugin 'kv' generation 2 could not take its predecessor's state")) << host_->output();
    EXPECT_EQ(send_request(host_->port(), "GET", "/kv/k").status, 404);
    EXPECT_EQ(put("k").status, 201);  // and it serves
}

}  // namespace
