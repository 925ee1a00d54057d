// A plugin built against the frozen 2.2 header (tests/contract/v2.2), using what 2.2 adds: it
// says its handler never blocks, defers its answer and completes it from the repository's
// call_later(). It must keep loading into every host of major version 2, its handler on a
// loop thread and its `done` on the timer thread, as 2.2 says.
//
//   POST /frozen22  →  200 "<the handler's thread> <the thread `done` ran on> <the repository's result>"
#include <plugin_api/endpoint_plugin.hpp>

#include "thread_name.hpp"

#include <array>
#include <string>

namespace {

using test_plugins::thread_name;

class Frozen22Plugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.never_blocks();
        plugin_api::Repository& repository = registrar.repository();
        registrar.add_route("POST", "/frozen22", [&repository](const plugin_api::Request&, plugin_api::Response& response) {
            response.set_content_type("text/plain");
            const std::array<std::string, 1> names{"frozen22"};
            repository.call_later(names, "", [later = response.defer(), handler = thread_name()](std::string result) {
                later->response().set_body(handler + " " + thread_name() + " " + result);
                later->complete();
            });
        });
    }
};

}  // namespace

PLUGIN_API_EXPORT(Frozen22Plugin)
