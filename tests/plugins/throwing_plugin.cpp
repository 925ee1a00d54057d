// A plugin whose callbacks fail: POST /throws/std throws a std::exception, /throws/other
// throws an int, /throws/status answers an impossible status. Each must become a 500
// while the server goes on.
#include <plugin_api/endpoint_plugin.hpp>

#include <stdexcept>

namespace {

class ThrowingPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_post_endpoint("/throws/std", [](const plugin_api::Payload&) -> plugin_api::Reply {
            throw std::runtime_error("secret detail that must not reach the client");
        });
        registrar.add_post_endpoint("/throws/other", [](const plugin_api::Payload&) -> plugin_api::Reply {
            throw 42;
        });
        registrar.add_post_endpoint("/throws/status", [](const plugin_api::Payload&) {
            return plugin_api::Reply{1000, "{}"};
        });
    }
};

}  // namespace

PLUGIN_API_EXPORT(ThrowingPlugin)
