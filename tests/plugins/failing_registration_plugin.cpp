// A plugin whose register_endpoints() throws after registering an endpoint: the host must
// refuse it and keep nothing of it.
#include <plugin_api/endpoint_plugin.hpp>

#include <stdexcept>

namespace {

class FailingRegistrationPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_route("POST", "/half-registered", [](const plugin_api::Request&, plugin_api::Response&) {});
        throw std::runtime_error("database unreachable");
    }
};

}  // namespace

PLUGIN_API_EXPORT(FailingRegistrationPlugin)
