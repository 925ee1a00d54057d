// A plugin whose stop hook never returns in time: it waits an hour. The host must report
// it, keep the plugin's code mapped, and still stop when asked.
#include <plugin_api/endpoint_plugin.hpp>

#include <chrono>
#include <thread>

namespace {

class StuckStopPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_route("GET", "/stuck", [](const plugin_api::Request&, plugin_api::Response& response) {
            response.set_body(R"({"stuck":"not yet"})");
        });
        registrar.on_lifecycle({}, [] { std::this_thread::sleep_for(std::chrono::hours(1)); });
    }
};

}  // namespace

PLUGIN_API_EXPORT(StuckStopPlugin)
