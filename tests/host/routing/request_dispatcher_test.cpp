#include "routing/request_dispatcher.hpp"

#include <gtest/gtest.h>

#include <Poco/Logger.h>

namespace plugin_host {
namespace {

class RequestDispatcherTest : public ::testing::Test {
protected:
    RequestDispatcherTest() {
        router_.publish(std::make_shared<const RouteTable>(std::vector<RouteTable::EndpointPtr>{
            std::make_shared<const Endpoint>(Endpoint{
                nullptr, "echo", "POST", "/echo", [this](const plugin_api::Payload& payload) {
                    last_sequence_ = std::string(payload.sequence);
                    return plugin_api::Reply{201, "{\"echo\":\"" + std::string(payload.sequence) + "\"}"};
                }})}));
        dispatcher_.add_host_endpoint("GET", "/healthz", [](const HttpRequest&) {
            return json_response(200, "{\"status\":\"ok\"}");
        });
        dispatcher_.add_host_endpoint(
            "POST", "/admin/reload", [](const HttpRequest&) { return json_response(200, "{}"); },
            RequestDispatcher::Access::loopback_only);
    }

    HttpResponse dispatch(std::string method, std::string path,
                          std::string body = R"({"info":{"sequence":"s"}})",
                          std::string content_type = "application/json") {
        HttpRequest request;
        request.head.setMethod(method);
        request.path = std::move(path);
        if (!content_type.empty()) request.head.setContentType(content_type);
        request.body = std::move(body);
        return dispatcher_.dispatch(request);
    }

    static std::string header(const HttpResponse& response, const std::string& name) {
        for (const auto& [key, value] : response.headers) {
            if (key == name) return value;
        }
        return {};
    }

    Router router_;
    ExecutionService execution_{Poco::Logger::get("test.execution")};
    RequestMetrics metrics_;
    RequestDispatcher dispatcher_{router_, execution_, metrics_};
    std::string last_sequence_;
};

TEST_F(RequestDispatcherTest, PluginEndpointRunsThroughTheExecutionService) {
    const HttpResponse response = dispatch("POST", "/echo");
    EXPECT_EQ(response.status, 201);
    EXPECT_EQ(response.body, R"({"echo":"s"})");
    EXPECT_EQ(last_sequence_, "s");
}

TEST_F(RequestDispatcherTest, ResponsesSayWhichEndpointTheyCountUnder) {
    EXPECT_EQ(dispatch("POST", "/echo").counted_as, &metrics_.endpoint("POST", "/echo"));
    EXPECT_EQ(dispatch("POST", "/echo", "{", "application/json").counted_as, &metrics_.endpoint("POST", "/echo"));
    EXPECT_EQ(dispatch("GET", "/healthz", "").counted_as, &metrics_.endpoint("GET", "/healthz"));
    EXPECT_EQ(dispatch("POST", "/nowhere").counted_as, nullptr);
    EXPECT_EQ(dispatch("GET", "/echo", "").counted_as, nullptr);
}

TEST_F(RequestDispatcherTest, HostEndpointIsServedBeforePluginRoutes) {
    const HttpResponse response = dispatch("GET", "/healthz", "");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"status":"ok"})");
}

TEST_F(RequestDispatcherTest, WrongMethodOnPluginPathIs405WithAllow) {
    const HttpResponse response = dispatch("GET", "/echo", "");
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(header(response, "Allow"), "POST");
    EXPECT_EQ(response.body, R"js({"error":"GET is not allowed on /echo (allowed: POST)"})js");
}

TEST_F(RequestDispatcherTest, WrongMethodOnHostPathIs405WithAllow) {
    const HttpResponse response = dispatch("POST", "/healthz");
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(header(response, "Allow"), "GET, HEAD");
}

TEST_F(RequestDispatcherTest, LoopbackOnlyEndpointRefusesOtherClientsWith403) {
    HttpRequest request;
    request.head.setMethod("POST");
    request.path = "/admin/reload";
    const HttpResponse remote = dispatcher_.dispatch(request);
    EXPECT_EQ(remote.status, 403);
    EXPECT_EQ(remote.body, R"({"error":"/admin/reload answers loopback clients only"})");
    request.from_loopback = true;
    EXPECT_EQ(dispatcher_.dispatch(request).status, 200);
}

TEST_F(RequestDispatcherTest, UnknownPathIs404) {
    const HttpResponse response = dispatch("POST", "/nowhere");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body, R"({"error":"no endpoint at /nowhere"})");
}

TEST_F(RequestDispatcherTest, NonJsonContentTypeIs415) {
    const HttpResponse response = dispatch("POST", "/echo", R"({"info":{"sequence":"s"}})", "text/plain");
    EXPECT_EQ(response.status, 415);
    EXPECT_EQ(response.body, R"({"error":"Content-Type must be application/json"})");
    EXPECT_EQ(dispatch("POST", "/echo", "{}", "").status, 415);
    EXPECT_EQ(dispatch("POST", "/echo", "{}", "application/jsonx").status, 415);
    EXPECT_TRUE(last_sequence_.empty());
}

TEST_F(RequestDispatcherTest, JsonContentTypeWithParametersOrOtherCaseIsAccepted) {
    EXPECT_EQ(dispatch("POST", "/echo", R"({"info":{"sequence":"s"}})",
                       "application/json; charset=utf-8").status, 201);
    EXPECT_EQ(dispatch("POST", "/echo", R"({"info":{"sequence":"s"}})", "Application/JSON").status, 201);
}

TEST_F(RequestDispatcherTest, ErrorMessagesAreEscapedJson) {
    const HttpResponse response = dispatch("POST", "/a\"b\\c");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body, R"({"error":"no endpoint at /a\"b\\c"})");
}

}  // namespace
}  // namespace plugin_host
