// What JSON costs a seed request, on the request thread, in the seed plugins' own code:
// - reading the seed's body, {"info": {"sequence": "first"}} sent as application/json
//   (the Content-Type check, UTF-8 validation, parsing down to info.sequence);
// - building the seed's answer, {"result":"first_first,first_second Executed"};
// - building an error answer as the host does, {"error":"no endpoint at /missing"}.
// docs/benchmark.md ("What the hand-tuned code buys") compares the figures with those of
// the hand-written JSON this replaced.
#include "contract/plugin_request.hpp"
#include "contract/plugin_response.hpp"
#include "http/http_exchange.hpp"
#include "seed/seed_request.hpp"

#include <benchmark/benchmark.h>

namespace {

using namespace plugin_host;

void SeedBodyRead(benchmark::State& state) {
    HttpRequest request;
    request.head.setMethod("POST");
    request.head.setContentType("application/json");
    request.body = R"({"info": {"sequence": "first"}})";
    const std::vector<std::pair<std::string_view, std::string>> parameters;
    const PluginRequest::Decoded query;
    const PluginRequest view(request, parameters, query);
    HttpResponse answer;
    PluginResponse response(answer);
    for (auto _ : state) benchmark::DoNotOptimize(seed::read_sequence(view, response));
}

void SeedAnswer(benchmark::State& state) {
    const std::string result = "first_first,first_second Executed";
    for (auto _ : state) benchmark::DoNotOptimize(seed::result_body(result));
}

void ErrorAnswer(benchmark::State& state) {
    const std::string message = "no endpoint at /missing";
    for (auto _ : state) benchmark::DoNotOptimize(error_response(404, message));
}

BENCHMARK(SeedBodyRead);
BENCHMARK(SeedAnswer);
BENCHMARK(ErrorAnswer);

}  // namespace
