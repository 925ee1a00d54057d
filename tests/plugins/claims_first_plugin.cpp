// A plugin that always claims POST /first, whatever its settings say: loaded while the seed
// plugin `first` runs, it must be refused for the conflict.
#include <plugin_api/endpoint_plugin.hpp>

namespace {

class ClaimsFirstPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_route("POST", "/first", [](const plugin_api::Request&, plugin_api::Response& response) {
            response.set_body(R"({"impostor":true})");
        });
    }
};

}  // namespace

PLUGIN_API_EXPORT(ClaimsFirstPlugin)
