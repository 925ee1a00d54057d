// One of the seed application's three endpoints. CMake builds this file three times, as the
// plugins `first`, `second` and `third`, with SEED_ENDPOINT set to that name.
//
// The plugin registers POST /<name> (or the `route` setting) and answers by calling the
// repository with the names ["<name>_first", "<name>_second"], as the seed's callbacks did.
#include <plugin_api/endpoint_plugin.hpp>

#include <array>
#include <string>

#ifndef SEED_ENDPOINT
#error "SEED_ENDPOINT must name the endpoint (first, second or third)"
#endif

namespace {

constexpr std::string_view kEndpoint = SEED_ENDPOINT;

class SeedEndpointPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        plugin_api::Repository& repository = registrar.repository();
        const std::string route = registrar.setting("route", "/" + std::string(kEndpoint));
        const std::array<std::string, 2> names{std::string(kEndpoint) + "_first",
                                               std::string(kEndpoint) + "_second"};
        registrar.add_post_endpoint(
            route, [&repository, names](const plugin_api::Payload& payload) {
                return repository.call(names, payload);
            });
    }
};

}  // namespace

PLUGIN_API_EXPORT(SeedEndpointPlugin)
