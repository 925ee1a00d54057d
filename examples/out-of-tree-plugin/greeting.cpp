// A plugin of its own project, built against the installed SDK alone (the contract header
// and nlohmann/json, which PluginHost::plugin_api brings):
//
//   GET  /greet/{name}               "Hello, <name>!" as text
//   POST /greet {"name":"Ada"}       {"greeting":"Hello, Ada!","name":"Ada"}; 400 with
//                                    {"error":"..."} for a body that is not such an object
//
// and a filter on its own paths (/greet and everything below it): its after-hook gives every
// answer, its handlers' or the host's (a 404, a 405), an X-Request-Id header: the client's
// own if it sent one of at most 64 visible characters, else "greeting-<n>".
//
//   [plugin.greeting]
//   library = /path/to/build/greeting.so
//   greeting = Hello        ; optional: the word before the name
//
//   [filters]
//   apply = greeting        ; a plugin's filters run only when [filters] apply names it
#include <plugin_api/endpoint_plugin.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>

namespace {

using plugin_api::Request;
using plugin_api::Response;

/// Whether a client's X-Request-Id is one to send back as it is.
bool usable_request_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::ranges::all_of(id, [](char c) { return c > ' ' && c < 0x7f; });
}

class GreetingPlugin final : public plugin_api::EndpointPlugin {
public:
    // On the host's loading thread. The handlers and the hook run on request threads,
    // concurrently: they read `greeting` (a copy each) and the atomic counter, which this
    // object owns; the host keeps the object alive while any of them can run.
    void register_endpoints(plugin_api::Registrar& registrar) override {
        const std::string greeting = registrar.settings().text("greeting", "Hello");
        plugin_api::Logger& logger = registrar.logger();

        registrar.add_route("GET", "/greet/{name}", [greeting, &logger](const Request& request, Response& response) {
            const std::string name(request.path_parameter("name").value_or("stranger"));
            logger.information("greeting " + name);
            response.set_content_type("text/plain; charset=utf-8");
            response.set_body(greeting + ", " + name + "!");
        });

        registrar.add_route("POST", "/greet", [greeting](const Request& request, Response& response) {
            // Parsed without exceptions: a body that is not JSON gives a discarded value.
            const nlohmann::json body = nlohmann::json::parse(request.body(), nullptr, false);
            if (!body.is_object() || !body.contains("name") || !body["name"].is_string()) {
                response.set_status(400);
                response.set_body(nlohmann::json{{"error", "expected a JSON object with a string \"name\""}}.dump());
                return;
            }
            const auto name = body["name"].get<std::string>();
            const nlohmann::json answer{{"greeting", greeting + ", " + name + "!"}, {"name", name}};
            response.set_body(answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        });

        // No before-hook: nothing to decide ahead of the handler. The after-hook sees every
        // answer on /greet and below, whoever made it.
        registrar.add_filter("*", "/greet/{rest...}", nullptr, [this](const Request& request, Response& response) {
            const auto sent = request.header("X-Request-Id");
            response.set_header("X-Request-Id", sent && usable_request_id(*sent)
                                                    ? std::string(*sent)
                                                    : "greeting-" + std::to_string(++requests_));
        });
    }

private:
    std::atomic<std::uint64_t> requests_{0};  ///< ids handed out, for requests that bring none
};

}  // namespace

PLUGIN_API_EXPORT(GreetingPlugin)
