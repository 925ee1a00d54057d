// The filter chain through the dispatcher, with filters made in the test: the order [filters]
// apply gives, after-hooks innermost first, a before-hook that answers, the methods and
// patterns a filter covers, and requests no filter covers.
#include "routing/request_dispatcher.hpp"

#include <gtest/gtest.h>

#include <Poco/Logger.h>

namespace plugin_host {
namespace {

class FilterChainTest : public ::testing::Test {
protected:
    /// A filter that writes "<name>>" before and "<<name" after into `trace_`; answers 403
    /// before if `answers`.
    std::shared_ptr<const Filter> tracing(const std::string& name, const std::string& pattern,
                                          std::vector<std::string> methods = {}, bool answers = false) {
        return std::make_shared<const Filter>(Filter{
            nullptr, name, std::move(methods), RouteTemplate::parse(pattern),
            [this, name, answers](const plugin_api::Request&, plugin_api::Response& response) {
                trace_ += name + ">";
                if (!answers) return plugin_api::FilterResult::proceed;
                response.set_status(403);
                return plugin_api::FilterResult::answered;
            },
            [this, name](const plugin_api::Request&, plugin_api::Response& response) {
                trace_ += "<" + name;
                response.add_header("X-Seen-By", name + ":" + std::to_string(response.status()));
            }});
    }

    void publish(std::vector<std::shared_ptr<const Filter>> filters) {
        const auto handler = [this](const plugin_api::Request&, plugin_api::Response&) { trace_ += "handler"; };
        router_.publish(std::make_shared<const RouteTable>(
            std::vector<RouteTable::EndpointPtr>{
                std::make_shared<const Endpoint>(Endpoint{nullptr, "kv", "GET", RouteTemplate::parse("/kv/{key}"), handler}),
                std::make_shared<const Endpoint>(Endpoint{nullptr, "first", "POST", RouteTemplate::parse("/first"), handler})},
            std::move(filters)));
    }

    HttpResponse dispatch(const std::string& method, const std::string& path) {
        trace_.clear();
        HttpRequest request;
        request.head.setMethod(method);
        request.path = path;
        return dispatcher_.dispatch(request);
    }

    static std::vector<std::string> seen_by(const HttpResponse& response) {
        std::vector<std::string> seen;
        for (const auto& [name, value] : response.headers) {
            if (name == "X-Seen-By") seen.push_back(value);
        }
        return seen;
    }

    std::string trace_;
    Router router_;
    ExecutionService execution_{Poco::Logger::get("test.execution")};
    RequestMetrics metrics_;
    RequestDispatcher dispatcher_{router_, execution_, metrics_, Poco::Logger::get("test.filters")};
};

TEST_F(FilterChainTest, FiltersRunInTheirOrderAroundTheHandlerAndAfterHooksInnermostFirst) {
    publish({tracing("outer", "/kv/{rest...}"), tracing("inner", "/{rest...}")});
    const HttpResponse response = dispatch("GET", "/kv/a");
    EXPECT_EQ(trace_, "outer>inner>handler<inner<outer");
    EXPECT_EQ(seen_by(response), (std::vector<std::string>{"inner:200", "outer:200"}));
}

TEST_F(FilterChainTest, ABeforeHookThatAnswersStopsTheChainAndTheFiltersEnteredSeeItsAnswer) {
    publish({tracing("outer", "/{rest...}"), tracing("guard", "/kv/{rest...}", {}, true), tracing("inner", "/{rest...}")});
    const HttpResponse response = dispatch("GET", "/kv/a");
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(trace_, "outer>guard><guard<outer");  // neither `inner` nor the handler ran
    EXPECT_EQ(seen_by(response), (std::vector<std::string>{"guard:403", "outer:403"}));
}

TEST_F(FilterChainTest, TheHostsOwn404And405PassThroughTheFiltersButItsOwnPathsDoNot) {
    publish({tracing("cors", "/{rest...}")});
    EXPECT_EQ(seen_by(dispatch("GET", "/nowhere")), (std::vector<std::string>{"cors:404"}));
    EXPECT_EQ(seen_by(dispatch("DELETE", "/kv/a")), (std::vector<std::string>{"cors:405"}));
    EXPECT_TRUE(seen_by(dispatch("GET", "/healthz")).empty());
    EXPECT_TRUE(seen_by(dispatch("GET", "/metrics")).empty());
}

TEST_F(FilterChainTest, AFilterCoversItsMethodsHeadAsGetAndItsPatternThePrefixItself) {
    publish({tracing("reads", "/kv/{rest...}", {"GET"})});
    dispatch("HEAD", "/kv/a");
    EXPECT_EQ(trace_, "reads>handler<reads");
    dispatch("GET", "/kv");  // the prefix itself (a 404 from the host)
    EXPECT_EQ(trace_, "reads><reads");
    dispatch("POST", "/kv/a");
    EXPECT_EQ(trace_, "");
    dispatch("GET", "/kvx/a");
    EXPECT_EQ(trace_, "");
    dispatch("GET", "/kv/%zz");  // does not decode: 400, unfiltered
    EXPECT_EQ(trace_, "");
}

TEST_F(FilterChainTest, ARequestNoFilterCoversIsServedAsWithoutFilters) {
    publish({tracing("kv-only", "/kv/{rest...}")});
    const HttpResponse response = dispatch("POST", "/first");
    EXPECT_EQ(trace_, "handler");
    EXPECT_TRUE(seen_by(response).empty());
}

}  // namespace
}  // namespace plugin_host
