#include "routing/router.hpp"

#include <gtest/gtest.h>

namespace plugin_host {
namespace {

std::shared_ptr<const Endpoint> endpoint(std::string plugin, std::string method, std::string path,
                                         std::string answer = "{}") {
    return std::make_shared<const Endpoint>(Endpoint{
        nullptr, std::move(plugin), std::move(method), std::move(path),
        [answer](const plugin_api::Payload&) { return plugin_api::Reply{200, answer}; }});
}

TEST(Router, FindsThePublishedEndpoint) {
    Router router;
    const auto first = endpoint("first", "POST", "/first");
    router.publish(std::make_shared<const RouteTable>(
        std::vector<RouteTable::EndpointPtr>{first, endpoint("second", "POST", "/second")}));

    const Router::Match match = router.find("POST", "/first");
    EXPECT_EQ(match.outcome, Router::Outcome::found);
    EXPECT_EQ(match.endpoint, first);
}

TEST(Router, KnownPathWithOtherMethodListsTheAllowedOnes) {
    Router router;
    router.publish(std::make_shared<const RouteTable>(std::vector<RouteTable::EndpointPtr>{
        endpoint("a", "POST", "/x"), endpoint("b", "PUT", "/x")}));

    const Router::Match match = router.find("GET", "/x");
    EXPECT_EQ(match.outcome, Router::Outcome::method_not_allowed);
    EXPECT_EQ(match.endpoint, nullptr);
    EXPECT_EQ(match.allow, "POST, PUT");
}

TEST(Router, UnknownPathIsNotFound) {
    Router router;
    router.publish(std::make_shared<const RouteTable>(
        std::vector<RouteTable::EndpointPtr>{endpoint("first", "POST", "/first")}));
    EXPECT_EQ(router.find("POST", "/firs").outcome, Router::Outcome::not_found);
    EXPECT_EQ(router.find("POST", "/first/").outcome, Router::Outcome::not_found);
    EXPECT_EQ(router.find("POST", "").outcome, Router::Outcome::not_found);
}

TEST(Router, EmptyRouterFindsNothing) {
    const Router router;
    EXPECT_EQ(router.find("POST", "/first").outcome, Router::Outcome::not_found);
}

TEST(Router, SamePathAndMethodFromTwoPluginsIsAConflictNamingBoth) {
    try {
        RouteTable table(std::vector<RouteTable::EndpointPtr>{endpoint("first", "POST", "/first"),
                                                              endpoint("impostor", "POST", "/first")});
        FAIL() << "no conflict reported";
    } catch (const RouteConflict& conflict) {
        EXPECT_STREQ(conflict.what(),
                     "POST /first is claimed by both plugin 'first' and plugin 'impostor'");
    }
}

TEST(Router, PublishSwapsTablesWhileFoundEndpointsStayUsable) {
    Router router;
    router.publish(std::make_shared<const RouteTable>(
        std::vector<RouteTable::EndpointPtr>{endpoint("v1", "POST", "/x", "one")}));
    const Router::Match before = router.find("POST", "/x");

    router.publish(std::make_shared<const RouteTable>(
        std::vector<RouteTable::EndpointPtr>{endpoint("v2", "POST", "/x", "two")}));
    const Router::Match after = router.find("POST", "/x");

    EXPECT_EQ(before.endpoint->callback({}).body, "one");  // a request routed earlier finishes on v1
    EXPECT_EQ(after.endpoint->callback({}).body, "two");
    EXPECT_EQ(after.endpoint->plugin_name, "v2");
}

}  // namespace
}  // namespace plugin_host
