// One of the seed application's three endpoints. CMake builds this file three times, as the
// plugins `first`, `second` and `third`, with SEED_ENDPOINT set to that name.
//
// The plugin registers POST /<name> (or its `route` setting) and answers by calling the
// shared repository with the names ["<name>_first", "<name>_second"], as the seed's
// callbacks did: {"result":"<name>_first,<name>_second Executed"}. It answers later
// (Response::defer(), contract 2.2) and asks the repository with call_later_here() (2.3), so
// that no thread waits out the repository's delay and the answer completes on the thread
// that read the request, and says so (Registrar::never_blocks()), so that the host runs it
// on that loop thread.
#include "seed/seed_request.hpp"

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
        // Its handler parses the body and asks the repository for a callback: it never
        // waits, so it may run on the loop thread that read the request.
        registrar.never_blocks();
        const std::string route = registrar.settings().text("route", "/" + std::string(kEndpoint));
        const std::array<std::string, 2> names{std::string(kEndpoint) + "_first", std::string(kEndpoint) + "_second"};
        registrar.add_route("POST", route,
                            [&repository, names](const plugin_api::Request& request, plugin_api::Response& response) {
                                std::optional<std::string> sequence = seed::read_sequence(request, response);
                                if (!sequence) return;  // answered now: 415, 400 or 422
                                // The repository's delay passes on this loop thread's timers,
                                // without holding it: the answer completes here, later.
                                repository.call_later_here(names, std::move(*sequence),
                                                           [later = response.defer()](std::string result) {
                                                               later->response().set_body(seed::result_body(result));
                                                               later->complete();
                                                           });
                            });
    }
};

}  // namespace

PLUGIN_API_EXPORT(SeedEndpointPlugin)
