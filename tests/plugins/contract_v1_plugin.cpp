// A plugin of contract 1, built against the frozen 1.0 header (tests/contract/v1.0): the
// host, which speaks contract 2, must refuse it, naming both versions.
#include <plugin_api/endpoint_plugin.hpp>

namespace {

class ContractOnePlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_post_endpoint("/old", [](const plugin_api::Payload&) { return plugin_api::Reply{200, "{}"}; });
    }
};

}  // namespace

PLUGIN_API_EXPORT(ContractOnePlugin)
