// Filters (contract 2.1) through the real executable on a loopback port: the auth and cors
// example plugins applied to the kv example as config/examples.ini applies them, a filter
// that fails, a filter [filters] apply does not list, and a filter swapped under load.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/plugin_files.hpp"
#include "support/temp_dir.hpp"
#include "test_paths.hpp"

#include <atomic>
#include <csignal>
#include <thread>

namespace {

using test_support::ClientResponse;
using test_support::HostProcess;
using test_support::send_request;

constexpr const char* kToken = "s3cret-token";

/// seed + kv + cors + auth (from a folder of the test's own, so that it can be swapped),
/// with `apply` as [filters] apply.
std::string filters_ini(const std::filesystem::path& auth_file, const std::string& apply) {
    return test_support::seed_plugins_ini() + "[plugins]\nsettle_ms = 50\n" +
           "[plugin.kv]\nlibrary = " + std::string(test_paths::kKvPlugin) + "\n" +
           "[plugin.cors]\nlibrary = " + std::string(test_paths::kCorsPlugin) +
           "\norigins = https://app.example\n" +
           "[plugin.auth]\nlibrary = " + auth_file.string() + "\ntokens = " + kToken + ", other-token\n" +
           "[plugin.faults]\nlibrary = " + std::string(test_paths::kFilterFaultsPlugin) + "\n" +
           (apply.empty() ? "" : "[filters]\napply = " + apply + "\n");
}

class FiltersTest : public ::testing::Test {
protected:
    void start(const std::string& apply) {
        test_support::publish_by_rename(test_paths::kAuthPlugin, auth_file_);
        host_.emplace(0, filters_ini(auth_file_, apply));
        ASSERT_TRUE(host_->wait_until_healthy()) << host_->output();
    }

    void TearDown() override {
        if (!host_) return;
        host_->signal(SIGTERM);
        EXPECT_EQ(host_->wait(), 0) << host_->output();
    }

    ClientResponse request(const std::string& method, const std::string& path,
                           const Poco::Net::NameValueCollection& headers = {}, const std::string& body = {}) {
        return send_request(host_->port(), method, path, body, body.empty() ? "" : "text/plain", headers);
    }

    static Poco::Net::NameValueCollection headers(std::initializer_list<std::pair<std::string, std::string>> fields) {
        Poco::Net::NameValueCollection collection;
        for (const auto& [name, value] : fields) collection.add(name, value);
        return collection;
    }

    test_support::TempDir folder_;
    std::filesystem::path auth_file_ = folder_.path() / "auth.so";
    std::optional<HostProcess> host_;
};

TEST_F(FiltersTest, AuthAnswers401WithAChallengeBeforeTheHandlerAndLetsAKnownTokenThrough) {
    start("cors, auth");
    const ClientResponse anonymous = request("PUT", "/kv/a", {}, "value");
    EXPECT_EQ(anonymous.status, 401);
    EXPECT_EQ(anonymous.headers.get("WWW-Authenticate", ""), R"(Bearer realm="plugin-host")");
    EXPECT_EQ(anonymous.body, R"({"error":"this path needs a bearer token"})");

    const ClientResponse wrong = request("GET", "/kv/a", headers({{"Authorization", "Bearer guess"}}));
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.headers.get("WWW-Authenticate", ""), R"(Bearer realm="plugin-host", error="invalid_token")");

    const auto bearer = headers({{"Authorization", std::string("bearer ") + kToken}});
    EXPECT_EQ(request("PUT", "/kv/a", bearer, "value").status, 201);
    EXPECT_EQ(request("GET", "/kv/a", bearer).body, "value");
    EXPECT_EQ(request("GET", "/kv", headers({{"Authorization", "Bearer other-token"}})).status, 200);  // the prefix itself
    // A route no filter covers pays nothing and needs nothing.
    EXPECT_EQ(test_support::post_json(host_->port(), "/first", test_support::seed_body("first")).status, 200);
}

TEST_F(FiltersTest, CorsAnswersPreflightsAndDecoratesEveryAnswerTheHostsOwn404AndAuths401Included) {
    start("cors, auth");
    const ClientResponse preflight = request(
        "OPTIONS", "/kv/a", headers({{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "PUT"}}));
    EXPECT_EQ(preflight.status, 204);  // cors answers it: auth, inside it, never sees it
    EXPECT_EQ(preflight.headers.get("Access-Control-Allow-Origin", ""), "https://app.example");
    EXPECT_EQ(preflight.headers.get("Access-Control-Allow-Methods", ""), "GET, POST, PUT, PATCH, DELETE");
    EXPECT_EQ(preflight.headers.get("Access-Control-Max-Age", ""), "600");

    const ClientResponse stranger = request(
        "OPTIONS", "/kv/a", headers({{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "PUT"}}));
    EXPECT_EQ(stranger.status, 403);
    EXPECT_FALSE(stranger.headers.has("Access-Control-Allow-Origin"));

    const auto from_app = headers({{"Origin", "https://app.example"}});
    const ClientResponse refused = request("GET", "/kv/a", from_app);
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(refused.headers.get("Access-Control-Allow-Origin", ""), "https://app.example");

    const ClientResponse nowhere = request("GET", "/no/such/path", from_app);
    EXPECT_EQ(nowhere.status, 404);  // the host's own answer, decorated
    EXPECT_EQ(nowhere.headers.get("Access-Control-Allow-Origin", ""), "https://app.example");
    EXPECT_EQ(nowhere.headers.get("Vary", ""), "Origin");

    // The host's own paths are never filtered.
    EXPECT_FALSE(request("GET", "/healthz", from_app).headers.has("Access-Control-Allow-Origin"));
}

TEST_F(FiltersTest, AFilterThatFailsIs500NamingItsPluginAndTheFiltersOutsideItStillRun) {
    start("cors, faults");
    const auto from_app = headers({{"Origin", "https://app.example"}});
    const ClientResponse before = request("GET", "/faulty/before/x", from_app);
    EXPECT_EQ(before.status, 500);
    EXPECT_EQ(before.body, R"({"error":"filter faults failed"})");
    EXPECT_EQ(before.headers.get("Access-Control-Allow-Origin", ""), "https://app.example");
    EXPECT_TRUE(host_->wait_for_output("The before-hook of filter * /faulty/before/{rest...} of plugin 'faults' failed: "
                                       "the before-hook gave up"));

    const ClientResponse after = request("GET", "/faulty/after/x", from_app);
    EXPECT_EQ(after.status, 500);
    EXPECT_EQ(after.headers.get("Access-Control-Allow-Origin", ""), "https://app.example");
    EXPECT_TRUE(host_->wait_for_output("The after-hook of filter * /faulty/after/{rest...} of plugin 'faults' failed: "
                                       "it set the header Content-Length, which the host writes itself"));
    EXPECT_EQ(request("GET", "/healthz").status, 200);  // and nothing else broke
}

TEST_F(FiltersTest, AFilterThatApplyDoesNotListDoesNotRunAndTheLogSaysSo) {
    start("cors");
    EXPECT_EQ(request("PUT", "/kv/a", {}, "value").status, 201);  // no token needed: auth does not run
    EXPECT_TRUE(host_->wait_for_output("Plugin 'auth' registers filters that do not run: [filters] apply does not list it"));
}

TEST_F(FiltersTest, SwappingAFilterUnderLoadFailsNoRequestAndItKeepsGuardingThePath) {
    start("cors, auth");
    const auto bearer = headers({{"Authorization", std::string("Bearer ") + kToken}});
    ASSERT_EQ(request("PUT", "/kv/a", bearer, "value").status, 201);

    // Clients with and without the token: every answer must be what the filter says, before,
    // during and after the swap; anything else (a 5xx, a 200 without the token, a socket
    // error) is a failure.
    std::atomic<bool> stopping{false};
    std::atomic<int> answered{0};
    std::atomic<int> wrong{0};
    std::vector<std::thread> clients;
    for (int client = 0; client < 4; ++client) {
        clients.emplace_back([&, client] {
            const bool with_token = client % 2 == 0;
            while (!stopping) {
                int status = 0;
                try {
                    status = send_request(host_->port(), "GET", "/kv/a", {}, "", with_token ? bearer : headers({})).status;
                } catch (...) {
                }
                (status == (with_token ? 200 : 401) ? answered : wrong)++;
            }
        });
    }
    ASSERT_TRUE(test_support::eventually([&] { return answered > 50; }, std::chrono::seconds(10)));
    test_support::publish_by_rename(test_paths::kAuthV2Plugin, auth_file_);
    const bool swapped = host_->wait_for_output("Loaded plugin 'auth' generation 2");
    const int at_swap = answered;
    ASSERT_TRUE(test_support::eventually([&] { return answered > at_swap + 50; },
                                         std::chrono::seconds(10)));
    stopping = true;
    for (std::thread& client : clients) client.join();
    EXPECT_TRUE(swapped) << host_->output();
    EXPECT_EQ(wrong, 0) << "of " << answered + wrong << " requests";
    EXPECT_TRUE(host_->wait_for_output("Unloaded plugin 'auth' generation 1"));
}

}  // namespace
