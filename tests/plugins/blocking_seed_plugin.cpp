// The seed's endpoint as a contract 2.0 plugin writes it, built against the frozen 2.0
// header (tests/contract/v2.0): its handler calls the repository and waits out the delay on
// the worker that runs it, as every 2.0 plugin that calls the repository does. It serves
// POST <route setting> (default /first) with the seed's answers, and shows what a handler
// that blocks holds: a worker, never a loop thread (the drain tests, the "seed-blocking"
// benchmark scenario).
#include "seed/seed_request.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <array>
#include <string>

namespace {

class BlockingSeedPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        plugin_api::Repository& repository = registrar.repository();
        const std::string route = registrar.settings().text("route", "/first");
        const std::string name = route.substr(1);
        const std::array<std::string, 2> names{name + "_first", name + "_second"};
        registrar.add_route("POST", route,
                            [&repository, names](const plugin_api::Request& request, plugin_api::Response& response) {
                                const std::optional<std::string> sequence = seed::read_sequence(request, response);
                                if (sequence) response.set_body(seed::result_body(repository.call(names, *sequence)));
                            });
    }
};

}  // namespace

PLUGIN_API_EXPORT(BlockingSeedPlugin)
