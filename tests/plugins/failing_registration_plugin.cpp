// A plugin whose register_endpoints() throws after registering an endpoint: the host must
// refuse it and keep nothing of it.
#include <plugin_api/endpoint_plugin.hpp>

#include <stdexcept>

namespace {

class FailingRegistrationPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_post_endpoint("/half-registered", [](const plugin_api::Payload&) {
            return plugin_api::Reply{200, "{}"};
        });
        throw std::runtime_error("database unreachable");
    }
};

}  // namespace

PLUGIN_API_EXPORT(FailingRegistrationPlugin)
