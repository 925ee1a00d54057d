// A plugin that always claims POST /first, whatever its settings say: loaded while the seed
// plugin `first` runs, it must be refused for the conflict.
#include <plugin_api/endpoint_plugin.hpp>

namespace {

class ClaimsFirstPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_post_endpoint("/first", [](const plugin_api::Payload&) {
            return plugin_api::Reply{200, R"({"impostor":true})"};
        });
    }
};

}  // namespace

PLUGIN_API_EXPORT(ClaimsFirstPlugin)
