// A plugin whose register_endpoints() takes its time: `block_ms` milliseconds (default: it
// never returns), saying so in the log before and after. It serves POST <route> (default
// /slow) with {"slow":"ready"} once it returns. For the tests of a registration that holds
// up a reload, a stop or the admin endpoint.
#include <plugin_api/endpoint_plugin.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace {

class SlowRegistrationPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        const std::int64_t block_ms = registrar.settings().integer("block_ms", -1, -1, 3600000);
        const std::string route = registrar.settings().text("route", "/slow");
        registrar.logger().information("register_endpoints() blocks" +
                                       (block_ms < 0 ? std::string(" for good") : " for " + std::to_string(block_ms) + " ms"));
        if (block_ms < 0) {
            for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(block_ms));
        registrar.logger().information("register_endpoints() returns");
        registrar.add_route("POST", route, [](const plugin_api::Request&, plugin_api::Response& response) {
            response.set_body(R"({"slow":"ready"})");
        });
    }
};

}  // namespace

PLUGIN_API_EXPORT(SlowRegistrationPlugin)
