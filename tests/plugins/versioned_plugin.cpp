// Two builds of one plugin that answer differently, for hot-swap tests: CMake builds this
// file as swap_v1.so and swap_v2.so with PLUGIN_VERSION "v1" / "v2". It serves POST
// <route> (default /swap) and answers {"version":"<PLUGIN_VERSION>"} after calling the
// repository, so it waits the configured delay like the seed plugins.
#include <plugin_api/endpoint_plugin.hpp>

#include <array>
#include <string>

#ifndef PLUGIN_VERSION
#error "PLUGIN_VERSION must name the build (v1 or v2)"
#endif

namespace {

class VersionedPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        plugin_api::Repository& repository = registrar.repository();
        const std::array<std::string, 1> names{std::string("swap_") + PLUGIN_VERSION};
        registrar.add_route("POST", registrar.settings().text("route", "/swap"),
                            [&repository, names](const plugin_api::Request& request, plugin_api::Response& response) {
                                repository.call(names, request.body());
                                response.set_body(std::string(R"({"version":")") + PLUGIN_VERSION + "\"}");
                            });
    }
};

}  // namespace

PLUGIN_API_EXPORT(VersionedPlugin)
