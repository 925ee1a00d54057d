// What filters (contract 2.1) cost a request, measured on the request thread through the
// real dispatcher and execution service, with a handler that does nothing:
// - no filter configured (the seed's configuration);
// - filters configured, none matching the request's path (the seed's requests beside a kv
//   guarded by auth and cors on /kv/...): what the issue asks to be nothing measurable;
// - one filter matching, with a before-hook that lets the request through and an after-hook
//   that adds a header: what a filtered request pays.
#include "routing/request_dispatcher.hpp"

#include <benchmark/benchmark.h>

#include <Poco/Logger.h>

namespace {

using namespace plugin_host;

std::shared_ptr<const Filter> filter_on(const std::string& pattern) {
    return std::make_shared<const Filter>(Filter{
        nullptr, "bench", {}, RouteTemplate::parse(pattern),
        [](const plugin_api::Request&, plugin_api::Response&) { return plugin_api::FilterResult::proceed; },
        [](const plugin_api::Request&, plugin_api::Response& response) { response.set_header("X-Filtered", "1"); }});
}

void dispatch_seed_request(benchmark::State& state, std::vector<std::shared_ptr<const Filter>> filters) {
    Poco::Logger::root().setLevel(Poco::Message::PRIO_ERROR);
    Router router;
    const auto handler = [](const plugin_api::Request&, plugin_api::Response& response) {
        response.set_body(R"({"result":"first_first,first_second Executed"})");
    };
    router.publish(std::make_shared<const RouteTable>(
        std::vector<RouteTable::EndpointPtr>{std::make_shared<const Endpoint>(
            Endpoint{nullptr, "first", "POST", RouteTemplate::parse("/first"), handler})},
        std::move(filters)));
    ExecutionService execution(Poco::Logger::get("bench.execution"));
    RequestMetrics metrics;
    const RequestDispatcher dispatcher(router, execution, metrics, Poco::Logger::get("bench.filters"));
    HttpRequest request;
    request.head.setMethod("POST");
    request.path = "/first";
    request.body = R"({"info": {"sequence": "first"}})";
    for (auto _ : state) benchmark::DoNotOptimize(dispatcher.dispatch(request));
}

void NoFilter(benchmark::State& state) { dispatch_seed_request(state, {}); }
void FiltersElsewhere(benchmark::State& state) {
    dispatch_seed_request(state, {filter_on("/kv/{rest...}"), filter_on("/admin-ui/{rest...}")});
}
void OneFilterMatching(benchmark::State& state) { dispatch_seed_request(state, {filter_on("/{rest...}")}); }

BENCHMARK(NoFilter);
BENCHMARK(FiltersElsewhere);
BENCHMARK(OneFilterMatching);

}  // namespace
