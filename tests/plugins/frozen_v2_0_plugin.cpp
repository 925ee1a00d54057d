// A plugin built against the frozen 2.0 header (tests/contract/v2.0), using what 2.0
// offers: a route with a path parameter, query parameters, headers, typed settings, the
// logger and the repository. It must keep loading into every host of major version 2.
//
//   GET /frozen/{name}?greeting=hello  →  200 text/plain "hello, <name> (repository: frozen Executed)",
//                                         header X-Frozen: <the greeting setting>
#include <plugin_api/endpoint_plugin.hpp>

#include <array>
#include <string>

namespace {

class FrozenPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        const std::string tag = registrar.settings().text("tag", "2.0");
        const bool shout = registrar.settings().boolean("shout", false);
        plugin_api::Repository& repository = registrar.repository();
        plugin_api::Logger& logger = registrar.logger();
        registrar.add_route("GET", "/frozen/{name}", [tag, shout, &repository, &logger](const plugin_api::Request& request,
                                                                                         plugin_api::Response& response) {
            const std::array<std::string, 1> names{"frozen"};
            std::string text = std::string(request.query_parameter("greeting").value_or("hello")) + ", " +
                               std::string(*request.path_parameter("name")) +
                               " (repository: " + repository.call(names, "x") + ")";
            if (shout) text += "!";
            logger.information("greeted " + std::string(*request.path_parameter("name")));
            response.set_content_type("text/plain");
            response.set_header("X-Frozen", tag);
            response.set_body(std::move(text));
        });
    }
};

}  // namespace

PLUGIN_API_EXPORT(FrozenPlugin)
