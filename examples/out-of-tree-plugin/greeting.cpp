// A plugin of its own project: GET /greet/{name} answers "Hello, <name>!" as text.
//
//   [plugin.greeting]
//   library = /path/to/build/greeting.so
//   greeting = Hello        ; optional: the word before the name
#include <plugin_api/endpoint_plugin.hpp>

#include <string>

namespace {

class GreetingPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        const std::string greeting = registrar.settings().text("greeting", "Hello");
        plugin_api::Logger& logger = registrar.logger();
        registrar.add_route("GET", "/greet/{name}",
                            [greeting, &logger](const plugin_api::Request& request, plugin_api::Response& response) {
                                const std::string name(request.path_parameter("name").value_or("stranger"));
                                logger.information("greeting " + name);
                                response.set_content_type("text/plain; charset=utf-8");
                                response.set_body(greeting + ", " + name + "!");
                            });
    }
};

}  // namespace

PLUGIN_API_EXPORT(GreetingPlugin)
