// A plugin whose filters fail: the before-hook on /faulty/before/... throws, the after-hook
// on /faulty/after/... sets a header the host writes itself. Each must become a 500 whose
// log line names the plugin, and filters outside it must still see that answer.
#include <plugin_api/endpoint_plugin.hpp>

#include <stdexcept>

namespace {

class FilterFaultsPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_filter(
            "*", "/faulty/before/{rest...}",
            [](const plugin_api::Request&, plugin_api::Response&) -> plugin_api::FilterResult {
                throw std::runtime_error("the before-hook gave up");
            },
            {});
        registrar.add_filter("*", "/faulty/after/{rest...}", {},
                             [](const plugin_api::Request&, plugin_api::Response& response) {
                                 response.set_header("Content-Length", "1");
                             });
    }
};

}  // namespace

PLUGIN_API_EXPORT(FilterFaultsPlugin)
