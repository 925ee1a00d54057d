// Says on which thread the host runs it: GET <route setting> (default /thread) answers the
// name of the thread its handler runs on (the host names its loop threads "ph-loop-N" and
// its workers "ph-worker"); with a `filter` setting, an after-hook on that path adds
// X-Filter-Thread with the name of the thread it runs on. With `never_blocks = true` it
// says so (Registrar::never_blocks()). With `later = true`, GET /later/here and GET
// /later/timer answer later,
// through the repository's call_later_here() and call_later(): the body is "<the handler's
// thread> <the thread `done` ran on>".
#include <plugin_api/endpoint_plugin.hpp>

#include "thread_name.hpp"

#include <array>
#include <string>

namespace {

using test_plugins::thread_name;

class ThreadNamePlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        if (registrar.settings().boolean("never_blocks", false)) registrar.never_blocks();
        const std::string route = registrar.settings().text("route", "/thread");
        const std::string filter = registrar.settings().text("filter", "");
        if (!route.empty()) {
            registrar.add_route("GET", route, [](const plugin_api::Request&, plugin_api::Response& response) {
                response.set_content_type("text/plain");
                response.set_body(thread_name());
            });
        }
        plugin_api::Repository& repository = registrar.repository();
        for (const bool here : {true, false}) {
            if (!registrar.settings().boolean("later", false)) break;
            registrar.add_route("GET", here ? "/later/here" : "/later/timer",
                                [&repository, here](const plugin_api::Request&, plugin_api::Response& response) {
                                    response.set_content_type("text/plain");
                                    const std::array<std::string, 1> names{"thread"};
                                    auto done = [later = response.defer(), handler = thread_name()](std::string) {
                                        later->response().set_body(handler + " " + thread_name());
                                        later->complete();
                                    };
                                    if (here) {
                                        repository.call_later_here(names, "", std::move(done));
                                    } else {
                                        repository.call_later(names, "", std::move(done));
                                    }
                                });
        }
        if (!filter.empty()) {
            registrar.add_filter("*", filter, nullptr, [](const plugin_api::Request&, plugin_api::Response& response) {
                response.set_header("X-Filter-Thread", thread_name());
            });
        }
    }
};

}  // namespace

PLUGIN_API_EXPORT(ThreadNamePlugin)
