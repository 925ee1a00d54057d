// A plugin built against the frozen 2.1 header (tests/contract/v2.1), using what 2.1 adds:
// a filter with both hooks, a start and a stop, state kept across a swap, a counter and a
// route's own body limit. It must keep loading into every host of major version 2.
//
//   POST /frozen21 (at most 8 bytes)  →  200 {"started":true,"requests":N}, header X-Frozen-Filter: after
#include <plugin_api/endpoint_plugin.hpp>

#include <atomic>
#include <string>

namespace {

class Frozen21Plugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        plugin_api::Counter& requests = registrar.counter("frozen21_requests_total", "Requests to /frozen21.");
        registrar.add_route("POST", "/frozen21", [this, &requests](const plugin_api::Request&, plugin_api::Response& response) {
            requests.increment();
            response.set_body(std::string(R"({"started":)") + (started_ ? "true" : "false") + R"(,"requests":)" +
                              std::to_string(++requests_) + "}");
        });
        registrar.set_max_body_bytes("POST", "/frozen21", 8);
        registrar.add_filter(
            "POST", "/frozen21",
            [](const plugin_api::Request&, plugin_api::Response&) { return plugin_api::FilterResult::proceed; },
            [](const plugin_api::Request&, plugin_api::Response& response) {
                response.set_header("X-Frozen-Filter", response.status() == 200 ? "after" : "error");
            });
        registrar.on_lifecycle([this] { started_ = true; }, [this] { started_ = false; });
        registrar.keep_state([this] { return std::to_string(requests_.load()); },
                             [this](std::string_view saved) { requests_ = std::stoull(std::string(saved)); });
    }

private:
    std::atomic<bool> started_{false};
    std::atomic<unsigned long long> requests_{0};
};

}  // namespace

PLUGIN_API_EXPORT(Frozen21Plugin)
