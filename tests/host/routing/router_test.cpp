// The route table: templates, precedence, decoding of parameters, conflicts and 405's Allow.
#include "routing/router.hpp"

#include <gtest/gtest.h>

#include <map>

namespace plugin_host {
namespace {

using Outcome = RouteTable::Outcome;

std::shared_ptr<const Endpoint> endpoint(std::string plugin, std::string method, std::string path) {
    return std::make_shared<const Endpoint>(Endpoint{nullptr, std::move(plugin), std::move(method),
                                                     RouteTemplate::parse(path),
                                                     [](const plugin_api::Request&, plugin_api::Response&) {}});
}

/// The table every case below looks up in.
const RouteTable& table() {
    static const RouteTable routes(std::vector<RouteTable::EndpointPtr>{
        endpoint("seed", "POST", "/first"),
        endpoint("kv", "GET", "/kv"),
        endpoint("kv", "GET", "/kv/{key}"),
        endpoint("kv", "PUT", "/kv/{key}"),
        endpoint("kv", "DELETE", "/kv/{key}"),
        endpoint("items", "GET", "/items/new"),
        endpoint("items", "GET", "/items/{id}"),
        endpoint("items", "GET", "/items/{id}/tags/{tag}"),
        endpoint("items", "POST", "/items/{id}/tags"),
        endpoint("files", "GET", "/files/{path...}"),
        endpoint("files", "GET", "/files/readme"),
        endpoint("mixed", "GET", "/a/{x}/c"),
        endpoint("mixed", "GET", "/{y}/b/d"),
        endpoint("root", "GET", "/"),
        endpoint("escaped", "GET", "/caf%C3%A9"),
        endpoint("options", "OPTIONS", "/kv/{key}"),
    });
    return routes;
}

struct Case {
    std::string method;
    std::string path;
    Outcome outcome;
    std::string route;  ///< found: the endpoint's label; method_not_allowed: Allow
    std::map<std::string, std::string> parameters = {};
};

class RouteLookup : public ::testing::TestWithParam<Case> {};

TEST_P(RouteLookup, FindsTheRouteAndItsParameters) {
    const Case& expected = GetParam();
    const RouteTable::Match match = table().find(expected.method, expected.path);
    ASSERT_EQ(match.outcome, expected.outcome) << expected.method << " " << expected.path;
    if (expected.outcome == Outcome::found) {
        EXPECT_EQ(match.endpoint->label(), expected.route);
        std::map<std::string, std::string> parameters;
        for (const auto& [name, value] : match.parameters) parameters.emplace(name, value);
        EXPECT_EQ(parameters, expected.parameters);
    } else if (expected.outcome == Outcome::method_not_allowed) {
        EXPECT_EQ(match.allow, expected.route);
        EXPECT_EQ(match.endpoint, nullptr);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, RouteLookup,
    ::testing::Values(
        Case{"POST", "/first", Outcome::found, "POST /first"},
        Case{"GET", "/kv", Outcome::found, "GET /kv"},
        Case{"GET", "/kv/apple", Outcome::found, "GET /kv/{key}", {{"key", "apple"}}},
        Case{"PUT", "/kv/a%20b", Outcome::found, "PUT /kv/{key}", {{"key", "a b"}}},
        // %2F decodes to '/' but stays inside its segment.
        Case{"DELETE", "/kv/a%2Fb", Outcome::found, "DELETE /kv/{key}", {{"key", "a/b"}}},
        Case{"GET", "/kv/a+b", Outcome::found, "GET /kv/{key}", {{"key", "a+b"}}},  // '+' is no space in a path
        // A literal wins over a parameter, a parameter over a catch-all.
        Case{"GET", "/items/new", Outcome::found, "GET /items/new"},
        Case{"GET", "/items/7", Outcome::found, "GET /items/{id}", {{"id", "7"}}},
        Case{"GET", "/items/7/tags/red", Outcome::found, "GET /items/{id}/tags/{tag}", {{"id", "7"}, {"tag", "red"}}},
        Case{"GET", "/items/new/tags/red", Outcome::found, "GET /items/{id}/tags/{tag}", {{"id", "new"}, {"tag", "red"}}},
        Case{"GET", "/files/readme", Outcome::found, "GET /files/readme"},
        Case{"GET", "/files/docs/a%20b/c", Outcome::found, "GET /files/{path...}", {{"path", "docs/a b/c"}}},
        Case{"GET", "/files/x", Outcome::found, "GET /files/{path...}", {{"path", "x"}}},
        // A literal branch that leads nowhere gives way to the parameter beside it.
        Case{"GET", "/a/b/d", Outcome::found, "GET /{y}/b/d", {{"y", "a"}}},
        Case{"GET", "/a/b/c", Outcome::found, "GET /a/{x}/c", {{"x", "b"}}},
        Case{"GET", "/", Outcome::found, "GET /"},
        Case{"GET", "/caf%c3%a9", Outcome::found, "GET /caf%C3%A9"},  // literals compare decoded
        Case{"OPTIONS", "/kv/x", Outcome::found, "OPTIONS /kv/{key}", {{"key", "x"}}},
        // Known path, other method: Allow over every route the path matches, GET with HEAD.
        Case{"POST", "/kv/apple", Outcome::method_not_allowed, "GET, HEAD, PUT, DELETE, OPTIONS"},
        Case{"PUT", "/items/new", Outcome::method_not_allowed, "GET, HEAD"},
        Case{"GET", "/first", Outcome::method_not_allowed, "POST"},
        Case{"GET", "/items/7/tags", Outcome::method_not_allowed, "POST"},
        // Unknown.
        Case{"GET", "/nothing", Outcome::not_found, ""},
        Case{"GET", "/first/", Outcome::not_found, ""},
        Case{"GET", "/files", Outcome::not_found, ""},  // a catch-all needs something to catch
        Case{"GET", "/files/", Outcome::not_found, ""},
        Case{"GET", "/kv//x", Outcome::not_found, ""},
        Case{"GET", "/items//tags/red", Outcome::not_found, ""},  // an empty segment is no parameter
        Case{"GET", "", Outcome::bad_path, ""},
        // A bad escape anywhere in the path.
        Case{"GET", "/kv/a%zz", Outcome::bad_path, ""},
        Case{"GET", "/kv/a%2", Outcome::bad_path, ""},
        Case{"GET", "/nothing/%", Outcome::bad_path, ""}),
    [](const auto& info) { return "Case" + std::to_string(info.index); });

TEST(RouteTable, TheSameMethodOnEquivalentTemplatesIsAConflictNamingBoth) {
    try {
        RouteTable table(std::vector<RouteTable::EndpointPtr>{endpoint("a", "GET", "/items/{id}"),
                                                              endpoint("b", "GET", "/items/{key}")});
        FAIL() << "no conflict reported";
    } catch (const RouteConflict& conflict) {
        EXPECT_STREQ(conflict.what(),
                     "GET /items/{id} of plugin 'a' and GET /items/{key} of plugin 'b' are the same route");
    }
    EXPECT_THROW(RouteTable(std::vector<RouteTable::EndpointPtr>{endpoint("a", "POST", "/first"),
                                                                endpoint("b", "POST", "/first")}),
                 RouteConflict);
    EXPECT_THROW(RouteTable(std::vector<RouteTable::EndpointPtr>{endpoint("a", "GET", "/f/{p...}"),
                                                                endpoint("b", "GET", "/f/{q...}")}),
                 RouteConflict);
}

TEST(RouteTable, DifferentMethodsOrShapesAreNoConflict) {
    EXPECT_NO_THROW(RouteTable(std::vector<RouteTable::EndpointPtr>{
        endpoint("a", "GET", "/items/{id}"), endpoint("b", "PUT", "/items/{id}"), endpoint("c", "GET", "/items/x"),
        endpoint("d", "GET", "/items/{id...}"), endpoint("e", "GET", "/items/a%2Fb"), endpoint("f", "GET", "/items/a/b")}));
}

TEST(Router, PublishSwapsTheTableForLaterLookups) {
    Router router;
    EXPECT_EQ(router.find("POST", "/first").outcome, Outcome::not_found);
    const auto first = endpoint("first", "POST", "/first");
    router.publish(std::make_shared<const RouteTable>(std::vector<RouteTable::EndpointPtr>{first}));
    const RouteTable::Match match = router.find("POST", "/first");
    EXPECT_EQ(match.outcome, Outcome::found);
    EXPECT_EQ(match.endpoint, first);
    router.publish(std::make_shared<const RouteTable>());
    EXPECT_EQ(router.find("POST", "/first").outcome, Outcome::not_found);
    EXPECT_EQ(match.endpoint->label(), "POST /first");  // a request already routed keeps its endpoint
}

struct TemplateCase {
    std::string text;
    std::string error;  ///< empty: valid
};

class Templates : public ::testing::TestWithParam<TemplateCase> {};

TEST_P(Templates, AreParsedOrRefusedNamingTheTemplate) {
    if (GetParam().error.empty()) {
        EXPECT_NO_THROW(RouteTemplate::parse(GetParam().text));
        return;
    }
    try {
        RouteTemplate::parse(GetParam().text);
        FAIL() << GetParam().text << " was accepted";
    } catch (const InvalidTemplate& invalid) {
        EXPECT_EQ(invalid.what(), "path template \"" + GetParam().text + "\" " + GetParam().error);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, Templates,
    ::testing::Values(TemplateCase{"/", ""}, TemplateCase{"/items/{id}", ""}, TemplateCase{"/files/{path...}", ""},
                      TemplateCase{"/a_b/{_x1}/c-d.e~f", ""}, TemplateCase{"/caf%C3%A9", ""},
                      TemplateCase{"", "must start with '/'"}, TemplateCase{"items", "must start with '/'"},
                      TemplateCase{"/a/{", "has a parameter that does not end its segment with '}'"},
                      TemplateCase{"/a/{x", "has a parameter that does not end its segment with '}'"},
                      TemplateCase{"/a/x}", "has a '{' or '}' that is not a whole segment's parameter"},
                      TemplateCase{"/a/b{x}", "has a '{' or '}' that is not a whole segment's parameter"},
                      TemplateCase{"/{id}{x}",
                                   "has a parameter whose name is not a letter or '_' followed by letters, digits or '_'"},
                      TemplateCase{"/{}", "has a parameter whose name is not a letter or '_' followed by letters, digits or '_'"},
                      TemplateCase{"/{1x}", "has a parameter whose name is not a letter or '_' followed by letters, digits or '_'"},
                      TemplateCase{"/{a}/{a}", "names the parameter 'a' twice"},
                      TemplateCase{"/{a}/{a...}", "names the parameter 'a' twice"},
                      TemplateCase{"/{rest...}/x", "has a catch-all that is not its last segment"},
                      TemplateCase{"/a//b", "has an empty segment (a double or trailing '/')"},
                      TemplateCase{"/a/", "has an empty segment (a double or trailing '/')"},
                      TemplateCase{"/a b", "has a character a path cannot hold"},
                      TemplateCase{"/a?b", "has a character a path cannot hold"},
                      TemplateCase{"/a%zz", "has a '%' that is not followed by two hexadecimal digits"}),
    [](const auto& info) { return "Template" + std::to_string(info.index); });

}  // namespace
}  // namespace plugin_host
