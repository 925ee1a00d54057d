// The kv example plugin through the real executable on a loopback port: every endpoint and
// status, HEAD and OPTIONS, and its settings. What a hot swap does to its data:
// kv_swap_test.cpp.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/plugin_files.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"
#include "test_paths.hpp"

#include <algorithm>
#include <csignal>

namespace {

using test_support::ClientResponse;
using test_support::HostProcess;
using test_support::send_request;

/// The kv plugin, from a folder of the test's own, and the seed.
class KvTest : public ::testing::Test {
protected:
    void SetUp() override {
        test_support::publish_by_rename(test_paths::kKvPlugin, folder_ / "kv.so");
        host_.emplace(0, test_support::seed_plugins_ini() + "[plugins]\nsettle_ms = 50\n[plugin.kv]\nlibrary = " +
                             (folder_ / "kv.so").string() + "\nmax_keys = 3\n");
        ASSERT_TRUE(host_->wait_until_healthy()) << host_->output();
    }

    void TearDown() override {
        host_->signal(SIGTERM);
        EXPECT_EQ(host_->wait(), 0) << host_->output();
    }

    ClientResponse request(const std::string& method, const std::string& path, const std::string& body = {},
                           const std::string& content_type = {}, const Poco::Net::NameValueCollection& headers = {}) {
        return send_request(host_->port(), method, path, body, content_type, headers);
    }

    test_support::TempDir folder_;
    std::optional<HostProcess> host_;
};

TEST_F(KvTest, PutCreatesThenReplacesAndGetAnswersTheValueAsStored) {
    const ClientResponse created = request("PUT", "/kv/greeting", "hello", "text/plain; charset=utf-8");
    EXPECT_EQ(created.status, 201);
    EXPECT_EQ(created.body, R"({"key":"greeting"})");
    EXPECT_EQ(created.headers.get("Location"), "/kv/greeting");
    EXPECT_EQ(created.headers.get("ETag"), "\"1\"");

    const ClientResponse replaced = request("PUT", "/kv/greeting", "hello again", "text/plain");
    EXPECT_EQ(replaced.status, 204);
    EXPECT_EQ(replaced.headers.get("ETag"), "\"2\"");
    EXPECT_FALSE(replaced.headers.has("Content-Length"));

    const ClientResponse got = request("GET", "/kv/greeting");
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.body, "hello again");
    EXPECT_EQ(got.headers.get("Content-Type"), "text/plain");
    EXPECT_EQ(got.headers.get("ETag"), "\"2\"");

    // Any bytes, any media type; a key with a '/' in it (%2F) and a space.
    const std::string binary("\x00\xff\x01", 3);
    EXPECT_EQ(request("PUT", "/kv/a%2Fb%20c", binary, "application/octet-stream").status, 201);
    const ClientResponse bytes = request("GET", "/kv/a%2Fb%20c");
    EXPECT_EQ(bytes.body, binary);
    EXPECT_EQ(bytes.headers.get("Content-Type"), "application/octet-stream");
}

TEST_F(KvTest, IfNoneMatchWithTheCurrentETagIs304WithoutABody) {
    request("PUT", "/kv/k", "v", "text/plain");
    Poco::Net::NameValueCollection current;
    current.add("If-None-Match", "\"7\", \"1\"");
    const ClientResponse not_modified = request("GET", "/kv/k", {}, {}, current);
    EXPECT_EQ(not_modified.status, 304);
    EXPECT_EQ(not_modified.body, "");
    EXPECT_EQ(not_modified.headers.get("ETag"), "\"1\"");
    Poco::Net::NameValueCollection stale;
    stale.add("If-None-Match", "\"0\"");
    EXPECT_EQ(request("GET", "/kv/k", {}, {}, stale).status, 200);
    Poco::Net::NameValueCollection any;
    any.add("If-None-Match", "*");
    EXPECT_EQ(request("GET", "/kv/k", {}, {}, any).status, 304);
}

TEST_F(KvTest, MissingKeysAre404AndDeleteIs204Once) {
    EXPECT_EQ(request("GET", "/kv/none").status, 404);
    EXPECT_EQ(request("GET", "/kv/none").body, R"({"error":"no key \"none\""})");
    request("PUT", "/kv/k", "v", "text/plain");
    EXPECT_EQ(request("DELETE", "/kv/k").status, 204);
    EXPECT_EQ(request("DELETE", "/kv/k").status, 404);
    EXPECT_EQ(request("GET", "/kv/k").status, 404);
}

TEST_F(KvTest, ListingFollowsPrefixAndLimitInKeyOrder) {
    for (const std::string key : {"b", "a2", "a1"}) request("PUT", "/kv/" + key, key, "text/plain");
    EXPECT_EQ(request("GET", "/kv").body,
              R"({"keys":[{"key":"a1","bytes":2,"content_type":"text/plain","etag":"\"3\""},)"
              R"({"key":"a2","bytes":2,"content_type":"text/plain","etag":"\"2\""},)"
              R"({"key":"b","bytes":1,"content_type":"text/plain","etag":"\"1\""}],"truncated":false})");
    const ClientResponse limited = request("GET", "/kv?prefix=a&limit=1");
    EXPECT_EQ(limited.body, R"({"keys":[{"key":"a1","bytes":2,"content_type":"text/plain","etag":"\"3\""}],"truncated":true})");
    EXPECT_EQ(request("GET", "/kv?prefix=zzz").body, R"({"keys":[],"truncated":false})");
    EXPECT_EQ(request("GET", "/kv?limit=0").status, 400);
    EXPECT_EQ(request("GET", "/kv?limit=lots").status, 400);
    EXPECT_EQ(request("GET", "/kv?prefix=%zz").status, 400);  // a query that does not decode
}

TEST_F(KvTest, ANewKeyBeyondMaxKeysIs507) {
    for (const std::string key : {"1", "2", "3"}) EXPECT_EQ(request("PUT", "/kv/" + key, "v", "text/plain").status, 201);
    const ClientResponse full = request("PUT", "/kv/4", "v", "text/plain");
    EXPECT_EQ(full.status, 507);
    EXPECT_EQ(full.body, R"({"error":"the store holds its max_keys = 3 keys"})");
    EXPECT_EQ(request("PUT", "/kv/3", "replaced", "text/plain").status, 204);  // replacing needs no room
    EXPECT_TRUE(host_->wait_for_output("Store full (3 keys): refused a new key")) << host_->output();
}

TEST_F(KvTest, HeadAnswersAsGetWithoutTheBodyAndOptionsListsTheMethods) {
    request("PUT", "/kv/k", "value", "text/plain");
    const std::string head = test_support::send_raw(host_->port(), "HEAD /kv/k HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
    EXPECT_NE(head.find("Content-Length: 5\r\n"), std::string::npos) << head;
    EXPECT_NE(head.find("ETag: \"1\"\r\n"), std::string::npos) << head;
    EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;

    const ClientResponse options = request("OPTIONS", "/kv/k");
    EXPECT_EQ(options.status, 204);
    EXPECT_EQ(options.headers.get("Allow"), "GET, HEAD, PUT, DELETE");
    const ClientResponse not_allowed = request("POST", "/kv/k", "{}", "application/json");
    EXPECT_EQ(not_allowed.status, 405);
    EXPECT_EQ(not_allowed.headers.get("Allow"), "GET, HEAD, PUT, DELETE");
}

TEST_F(KvTest, TheSeedAnswersAsItAlwaysHasBesideIt) {
    const ClientResponse seed = send_request(host_->port(), "POST", "/first", R"({"info":{"sequence":"first"}})");
    EXPECT_EQ(seed.status, 200);
    EXPECT_EQ(seed.body, R"({"result":"first_first,first_second Executed"})");
}

TEST(KvSettings, AMisspeltOrMistypedSettingStopsStartUpNamingFileLineAndKey) {
    for (const auto& [setting, message] : std::vector<std::pair<std::string, std::string>>{
             {"max_kyes = 3", "[plugin.kv] max_kyes: unknown key (kv reads: max_keys)"},
             {"max_keys = lots", "[plugin.kv] max_keys: \"lots\" is not a whole number from 1 to 100000000"}}) {
        HostProcess host(0, std::string("[plugin.kv]\nlibrary = ") + test_paths::kKvPlugin + "\n" + setting + "\n");
        EXPECT_EQ(host.wait_for(std::chrono::seconds(10)), std::optional<int>(78)) << host.output();
        // The key's own line: the last of the file.
        const std::string line = std::to_string(std::count(host.config_text().begin(), host.config_text().end(), '\n'));
        EXPECT_NE(host.output().find("server.ini:" + line + ": " + message), std::string::npos) << host.output();
    }
}

}  // namespace
