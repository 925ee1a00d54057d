// Integration tests: the real Host with the plugins CMake built, on a loopback port, over
// real sockets.
#include "app/host.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/log_capture.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <future>
#include <thread>

namespace plugin_host {
namespace {

using test_support::post_json;
using test_support::seed_body;
using test_support::send_request;
using Clock = std::chrono::steady_clock;

std::string throwing_plugin_ini() {
    return std::string("[plugin.throwing]\nlibrary = ") + test_paths::kThrowingPlugin + "\n";
}

class HostTest : public ::testing::Test {
protected:
    test_support::LogCapture log_;
    test_support::RunningHost server_{test_support::test_server_ini(20, "max_body_bytes = 1024\n") +
                                      test_support::seed_plugins_ini() + throwing_plugin_ini()};
};

TEST_F(HostTest, EachSeedEndpointAnswers200WithItsNamesAndLogsTheSeedLines) {
    for (const std::string name : {"first", "second", "third"}) {
        const auto response = post_json(server_.port(), "/" + name, seed_body(name));
        EXPECT_EQ(response.status, 200) << name;
        EXPECT_EQ(response.body, "{\"result\":\"" + name + "_first," + name + "_second Executed\"}");
        EXPECT_EQ(response.headers.get("Content-Type"), "application/json");

        const std::string names = name + "_first," + name + "_second";
        EXPECT_TRUE(log_.contains("host.execution: Starting " + name));
        EXPECT_TRUE(log_.contains("host.repository: Executing " + names + " with data: " + name));
        EXPECT_TRUE(log_.contains("host.repository: Executed " + names));
        EXPECT_TRUE(log_.contains("host.execution: Finished " + name));
    }
}

TEST_F(HostTest, HealthzListsTheLoadedPlugins) {
    const auto response = send_request(server_.port(), "GET", "/healthz");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"status":"ok","plugins":["first","second","third","throwing"]})");
}

TEST_F(HostTest, MetricsCountRequestsAndShowThePoolAndPlugins) {
    post_json(server_.port(), "/first", seed_body("first"));
    post_json(server_.port(), "/first", "{");
    post_json(server_.port(), "/nowhere", "{}");
    const auto response = send_request(server_.port(), "GET", "/metrics");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.headers.get("Content-Type"), "text/plain; version=0.0.4");
    for (const std::string line :
         {"plugin_host_requests_total{endpoint=\"POST /first\",status=\"200\"} 1\n",
          "plugin_host_requests_total{endpoint=\"POST /first\",status=\"400\"} 1\n",
          "plugin_host_requests_total{endpoint=\"unmatched\",status=\"404\"} 1\n",
          "plugin_host_request_duration_seconds_count{endpoint=\"POST /first\"} 2\n",
          "plugin_host_requests_in_flight 1\n",  // the /metrics request itself
          "plugin_host_connections_max 96\n", "plugin_host_plugin_generation{plugin=\"second\"} 1\n",
          "plugin_host_plugin_versions_draining{plugin=\"first\"} 0\n"}) {
        EXPECT_NE(response.body.find(line), std::string::npos) << line << "\n" << response.body;
    }
    EXPECT_NE(response.body.find("plugin_host_connections_current "), std::string::npos);
    EXPECT_NE(response.body.find("plugin_host_pool_threads_busy "), std::string::npos);
}

TEST_F(HostTest, MalformedJsonIs400) {
    const auto response = post_json(server_.port(), "/first", "{\"info\": ");
    EXPECT_EQ(response.status, 400);
    EXPECT_TRUE(response.body.starts_with(R"({"error":"request body is not valid JSON)")) << response.body;
}

TEST_F(HostTest, MissingSequenceIs422NamingTheField) {
    const auto response = post_json(server_.port(), "/first", R"({"info": {"seq": "first"}})");
    EXPECT_EQ(response.status, 422);
    EXPECT_EQ(response.body, R"({"error":"missing string field info.sequence"})");
}

TEST_F(HostTest, WrongMethodIs405WithAllow) {
    const auto response = send_request(server_.port(), "GET", "/second");
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(response.headers.get("Allow"), "POST");
    EXPECT_EQ(response.body, R"js({"error":"GET is not allowed on /second (allowed: POST)"})js");
}

TEST_F(HostTest, UnknownPathIs404) {
    const auto response = post_json(server_.port(), "/fourth", seed_body("fourth"));
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body, R"({"error":"no endpoint at /fourth"})");
}

TEST_F(HostTest, QueryStringDoesNotChangeTheRoute) {
    EXPECT_EQ(post_json(server_.port(), "/first?trace=1", seed_body("first")).status, 200);
}

TEST_F(HostTest, BodyOverTheLimitIs413) {
    const std::string big = R"({"info":{"sequence":")" + std::string(2000, 'x') + "\"}}";
    const auto response = post_json(server_.port(), "/first", big);
    EXPECT_EQ(response.status, 413);
    EXPECT_EQ(response.body, R"({"error":"request body exceeds 1024 bytes"})");
}

TEST_F(HostTest, ChunkedBodyOverTheLimitIs413) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server_.port());
    Poco::Net::HTTPRequest request("POST", "/first", Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setChunkedTransferEncoding(true);
    std::ostream& out = session.sendRequest(request);
    for (int i = 0; i < 200; ++i) out << "0123456789";
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    EXPECT_EQ(response.getStatus(), 413);
    EXPECT_EQ(body, R"({"error":"request body exceeds 1024 bytes"})");
}

TEST_F(HostTest, ChunkedBodyWithinTheLimitIsServed) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server_.port());
    Poco::Net::HTTPRequest request("POST", "/third", Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setChunkedTransferEncoding(true);
    session.sendRequest(request) << seed_body("third");
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    EXPECT_EQ(response.getStatus(), 200);
    EXPECT_EQ(body, R"({"result":"third_first,third_second Executed"})");
}

TEST_F(HostTest, PostWithoutLengthReachesThePluginWithAnEmptyBody) {
    // RFC 9112 §6.3: no Content-Length and no Transfer-Encoding is a body of length zero;
    // the seed plugin refuses that itself, as it would any body that is not JSON.
    const std::string answer = test_support::send_raw(
        server_.port(), "POST /first HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
    EXPECT_NE(answer.find(R"({"error":"request body is not valid JSON)"), std::string::npos) << answer;
}

TEST_F(HostTest, WrongContentTypeIs415) {
    const auto response = send_request(server_.port(), "POST", "/first", seed_body("first"), "text/plain");
    EXPECT_EQ(response.status, 415);
    EXPECT_EQ(response.body, R"({"error":"Content-Type must be application/json"})");
}

TEST_F(HostTest, CallbackThatThrowsIs500AndTheServerGoesOn) {
    for (const char* path : {"/throws/std", "/throws/other", "/throws/status", "/throws/length", "/throws/newline"}) {
        const auto response = post_json(server_.port(), path, seed_body("x"));
        EXPECT_EQ(response.status, 500) << path;
        EXPECT_EQ(response.body, R"({"error":"endpoint throwing failed"})") << path;
    }
    EXPECT_EQ(post_json(server_.port(), "/first", seed_body("first")).status, 200);
    EXPECT_TRUE(log_.contains(
        "host.execution: Endpoint throwing failed: it set the header Content-Length, which the host writes itself"));
    EXPECT_TRUE(log_.contains("host.execution: Endpoint throwing failed: it set the header X-Injected to a value with a "
                              "control character (CR, LF, NUL, ...)"));
}

TEST_F(HostTest, KeepAliveConnectionServesManyRequestsIncludingErrors) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server_.port());
    session.setKeepAlive(true);
    for (const auto& [path, body, expected] :
         std::vector<std::tuple<std::string, std::string, int>>{{"/first", seed_body("first"), 200},
                                                                {"/first", "{", 400},
                                                                {"/nowhere", "{}", 404},
                                                                {"/second", seed_body("second"), 200}}) {
        Poco::Net::HTTPRequest request("POST", path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setKeepAlive(true);
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::string answer;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), answer);
        EXPECT_EQ(response.getStatus(), expected) << path;
        EXPECT_TRUE(response.getKeepAlive()) << path;
    }
}

TEST(HostConcurrency, SixtyConcurrentRequestsRunInParallel) {
    test_support::RunningHost server(test_support::test_server_ini(200) + test_support::seed_plugins_ini());
    const auto started = Clock::now();
    std::vector<std::future<int>> statuses;
    for (int i = 0; i < 60; ++i) {
        const std::string name = i % 3 == 0 ? "first" : i % 3 == 1 ? "second" : "third";
        statuses.push_back(std::async(std::launch::async, [&server, name] {
            return post_json(server.port(), "/" + name, seed_body(name)).status;
        }));
    }
    for (auto& status : statuses) EXPECT_EQ(status.get(), 200);
    const auto elapsed = Clock::now() - started;
    // One after another they would take 60 × 200 ms = 12 s.
    EXPECT_LT(elapsed, test_support::scaled(std::chrono::milliseconds(3000)))
        << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms";
}

struct StartupRefusal {
    std::string name;
    std::string plugin_section;  ///< beside the seed plugins
    std::string reason;          ///< part of the refusal
};

class HostStartup : public ::testing::TestWithParam<StartupRefusal> {};

TEST_P(HostStartup, APluginThatCannotServeIsRefusedAndTheHostIsNotBuilt) {
    test_support::TempDir dir;
    const HostConfig config = test_support::write_and_load_config(
        dir, test_support::test_server_ini(0) + test_support::seed_plugins_ini() + GetParam().plugin_section);
    try {
        Host host(config);
        FAIL() << "the plugin was not refused";
    } catch (const PluginRefused& refused) {
        EXPECT_NE(std::string(refused.what()).find(GetParam().reason), std::string::npos) << refused.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    Refusals, HostStartup,
    ::testing::Values(StartupRefusal{"AnotherContractVersion",
                                     std::string("[plugin.future]\nlibrary = ") + test_paths::kContractV99Plugin + "\n",
                                     "contract 99, this host speaks contract 2.3"},
                      StartupRefusal{"TwoPluginsOnOneRoute",
                                     std::string("[plugin.again]\nlibrary = ") + test_paths::kFirstPlugin +
                                         "\nroute = /second\n",
                                     "POST /second of plugin 'second' and POST /second of plugin 'again' are the same route"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace plugin_host
