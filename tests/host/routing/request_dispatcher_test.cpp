// The dispatcher: the host's own endpoints first, then the plugins' routes through the
// execution service; HEAD, OPTIONS, 404, 405 and paths that do not decode.
#include "routing/request_dispatcher.hpp"

#include <gtest/gtest.h>

#include <Poco/Logger.h>

namespace plugin_host {
namespace {

class RequestDispatcherTest : public ::testing::Test {
protected:
    RequestDispatcherTest() {
        const auto echo = [this](const plugin_api::Request& request, plugin_api::Response& response) {
            last_method_ = std::string(request.method());
            response.set_status(201);
            response.set_body("{\"id\":\"" + std::string(request.path_parameter("id").value_or("none")) + "\"}");
        };
        router_.publish(std::make_shared<const RouteTable>(std::vector<RouteTable::EndpointPtr>{
            std::make_shared<const Endpoint>(Endpoint{nullptr, "echo", "POST", RouteTemplate::parse("/echo"), echo}),
            std::make_shared<const Endpoint>(Endpoint{nullptr, "items", "GET", RouteTemplate::parse("/items/{id}"), echo}),
        }));
        dispatcher_.add_host_endpoint("GET", "/healthz", [](const HttpRequest&) {
            return json_response(200, "{\"status\":\"ok\"}");
        });
        dispatcher_.add_host_endpoint(
            "POST", "/admin/reload", [](const HttpRequest&) { return json_response(200, "{}"); },
            RequestDispatcher::Access::loopback_only);
    }

    HttpResponse dispatch(const std::string& method, const std::string& path, const std::string& body = "") {
        HttpRequest request;
        request.head.setMethod(method);
        request.path = path;
        request.body = body;
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
    std::string last_method_;
};

TEST_F(RequestDispatcherTest, APluginRouteRunsItsHandlerThroughTheExecutionService) {
    const HttpResponse response = dispatch("GET", "/items/a%20b");
    EXPECT_EQ(response.status, 201);
    EXPECT_EQ(response.body, R"({"id":"a b"})");
    EXPECT_EQ(last_method_, "GET");
}

TEST_F(RequestDispatcherTest, HeadReachesTheGetRouteAsHead) {
    EXPECT_EQ(dispatch("HEAD", "/items/7").status, 201);
    EXPECT_EQ(last_method_, "HEAD");
    EXPECT_EQ(dispatch("HEAD", "/healthz").status, 200);
}

TEST_F(RequestDispatcherTest, ResponsesSayWhichEndpointTheyCountUnder) {
    EXPECT_EQ(dispatch("POST", "/echo").counted_as, &metrics_.endpoint("POST", "/echo"));
    EXPECT_EQ(dispatch("GET", "/items/1").counted_as, &metrics_.endpoint("GET", "/items/{id}"));  // the template
    EXPECT_EQ(dispatch("GET", "/healthz").counted_as, &metrics_.endpoint("GET", "/healthz"));
    EXPECT_EQ(dispatch("POST", "/nowhere").counted_as, nullptr);
    EXPECT_EQ(dispatch("GET", "/echo").counted_as, nullptr);
}

TEST_F(RequestDispatcherTest, HostEndpointIsServedBeforePluginRoutes) {
    const HttpResponse response = dispatch("GET", "/healthz");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"status":"ok"})");
}

TEST_F(RequestDispatcherTest, WrongMethodOnAPluginPathIs405WithAllow) {
    const HttpResponse response = dispatch("GET", "/echo");
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(header(response, "Allow"), "POST");
    EXPECT_EQ(response.body, R"js({"error":"GET is not allowed on /echo (allowed: POST)"})js");
    EXPECT_EQ(header(dispatch("DELETE", "/items/1"), "Allow"), "GET, HEAD");
}

TEST_F(RequestDispatcherTest, WrongMethodOnAHostPathIs405WithAllow) {
    const HttpResponse response = dispatch("POST", "/healthz");
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(header(response, "Allow"), "GET, HEAD");
}

TEST_F(RequestDispatcherTest, OptionsIsAnsweredWithAllowUnlessAPluginServesIt) {
    const HttpResponse items = dispatch("OPTIONS", "/items/1");
    EXPECT_EQ(items.status, 204);
    EXPECT_EQ(header(items, "Allow"), "GET, HEAD");
    EXPECT_TRUE(items.body.empty());
    EXPECT_EQ(header(dispatch("OPTIONS", "/healthz"), "Allow"), "GET, HEAD");
    EXPECT_EQ(dispatch("OPTIONS", "/nowhere").status, 404);
    const HttpResponse everything = dispatch("OPTIONS", "*");
    EXPECT_EQ(everything.status, 204);
    EXPECT_EQ(header(everything, "Allow"), "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
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

TEST_F(RequestDispatcherTest, UnknownPathIs404AndAHostPathWithoutAnEndpointToo) {
    const HttpResponse response = dispatch("POST", "/nowhere");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body, R"({"error":"no endpoint at /nowhere"})");
    EXPECT_EQ(dispatch("GET", "/admin/plugins").status, 404);  // admin endpoints off
    EXPECT_EQ(dispatch("GET", "/metrics").status, 404);
}

TEST_F(RequestDispatcherTest, APathThatDoesNotDecodeIs400) {
    const HttpResponse response = dispatch("GET", "/items/a%zz");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body, R"({"error":"the path does not decode: a '%' is not followed by two hexadecimal digits"})");
}

TEST_F(RequestDispatcherTest, ErrorMessagesAreEscapedJson) {
    const HttpResponse response = dispatch("POST", "/a\"b\\c");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body, R"({"error":"no endpoint at /a\"b\\c"})");
}

TEST_F(RequestDispatcherTest, APathWithBytesThatAreNotUtf8StillGetsAJson404) {
    const HttpResponse response = dispatch("POST", "/\xff/a\xc3");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body, "{\"error\":\"no endpoint at /\xEF\xBF\xBD/a\xEF\xBF\xBD\"}");
}

TEST(HostPaths, AreHealthzMetricsAndEverythingUnderAdmin) {
    EXPECT_TRUE(is_host_path("/healthz"));
    EXPECT_TRUE(is_host_path("/metrics"));
    EXPECT_TRUE(is_host_path("/admin"));
    EXPECT_TRUE(is_host_path("/admin/plugins"));
    EXPECT_FALSE(is_host_path("/administrator"));
    EXPECT_FALSE(is_host_path("/healthz/x"));
    EXPECT_FALSE(is_host_path("/first"));
}

}  // namespace
}  // namespace plugin_host
