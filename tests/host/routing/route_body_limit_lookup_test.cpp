// RequestDispatcher::max_body_bytes(): the body limit the connection reads a request with,
// its route's own (Endpoint::max_body_bytes) or the server's, found as dispatch() routes.
#include "routing/request_dispatcher.hpp"

#include <gtest/gtest.h>

#include <Poco/Logger.h>

namespace plugin_host {
namespace {

constexpr std::size_t kServerLimit = 1024;

void answer(const plugin_api::Request&, plugin_api::Response&) {}

RouteTable::EndpointPtr endpoint(std::string method, std::string_view path, std::size_t max_body_bytes) {
    Endpoint made{nullptr, "limits", std::move(method), RouteTemplate::parse(path), answer};
    made.max_body_bytes = max_body_bytes;
    return std::make_shared<const Endpoint>(std::move(made));
}

class RouteBodyLimitLookup : public ::testing::Test {
protected:
    RouteBodyLimitLookup() {
        dispatcher_.add_host_endpoint("POST", "/admin/reload", [](const HttpRequest&) { return json_response(200, "{}"); });
    }

    void publish(std::vector<RouteTable::EndpointPtr> endpoints) {
        router_.publish(std::make_shared<const RouteTable>(endpoints));
    }

    std::size_t limit(const std::string& method, const std::string& path) const {
        HttpRequest request;
        request.head.setMethod(method);
        request.path = path;
        return dispatcher_.max_body_bytes(request, kServerLimit);
    }

    Router router_;
    ExecutionService execution_{Poco::Logger::get("test.execution")};
    RequestMetrics metrics_;
    RequestDispatcher dispatcher_{router_, execution_, metrics_};
};

TEST_F(RouteBodyLimitLookup, ARoutesOwnLimitReplacesTheServers) {
    publish({endpoint("POST", "/upload", 1 << 20), endpoint("POST", "/small", 16), endpoint("POST", "/plain", 0)});
    EXPECT_EQ(limit("POST", "/upload"), 1u << 20);
    EXPECT_EQ(limit("POST", "/small"), 16u);
    EXPECT_EQ(limit("POST", "/plain"), kServerLimit);  // 0: the server's
}

TEST_F(RouteBodyLimitLookup, TheRouteIsFoundAsDispatchFindsItHeadAsGet) {
    publish({endpoint("GET", "/files/{path...}", 100), endpoint("PUT", "/items/{id}", 200)});
    EXPECT_EQ(limit("GET", "/files/a/b"), 100u);
    EXPECT_EQ(limit("HEAD", "/files/a/b"), 100u);
    EXPECT_EQ(limit("PUT", "/items/a%20b"), 200u);
}

TEST_F(RouteBodyLimitLookup, ARequestNoRouteTakesHasTheServersLimit) {
    publish({endpoint("PUT", "/items/{id}", 200)});
    EXPECT_EQ(limit("POST", "/items/1"), kServerLimit);   // another method: 405
    EXPECT_EQ(limit("PUT", "/nowhere"), kServerLimit);    // 404
    EXPECT_EQ(limit("PUT", "/items/a%zz"), kServerLimit);  // 400: does not decode
    EXPECT_EQ(limit("BREW", "/items/1"), kServerLimit);   // 501
}

TEST_F(RouteBodyLimitLookup, TheHostsOwnPathsKeepTheServersLimitEvenUnderACatchAll) {
    publish({endpoint("POST", "/{rest...}", 7)});
    EXPECT_EQ(limit("POST", "/anything"), 7u);
    EXPECT_EQ(limit("POST", "/admin/reload"), kServerLimit);
    EXPECT_EQ(limit("POST", "/healthz"), kServerLimit);
}

TEST_F(RouteBodyLimitLookup, TheRouterSaysWhetherTheTablePublishedLastHasLimits) {
    EXPECT_FALSE(router_.has_body_limits());
    publish({endpoint("POST", "/upload", 4096)});
    EXPECT_TRUE(router_.has_body_limits());
    publish({endpoint("POST", "/upload", 0)});
    EXPECT_FALSE(router_.has_body_limits());
    EXPECT_EQ(limit("POST", "/upload"), kServerLimit);
}

}  // namespace
}  // namespace plugin_host
