// A plugin that calls a function nothing defines. Loaded lazily it would load and then kill
// the process at the first request ("symbol lookup error"); the host binds every symbol at
// load time and must refuse it instead.
#include <plugin_api/endpoint_plugin.hpp>

extern "C" int plugin_host_test_function_that_does_not_exist();

namespace {

class UnresolvedSymbolPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_route("POST", registrar.settings().text("route", "/swap"),
                            [](const plugin_api::Request&, plugin_api::Response& response) {
                                response.set_body(std::to_string(plugin_host_test_function_that_does_not_exist()));
                            });
    }
};

}  // namespace

PLUGIN_API_EXPORT(UnresolvedSymbolPlugin)
