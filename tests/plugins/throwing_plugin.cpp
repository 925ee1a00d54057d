// A plugin whose handlers fail: POST /throws/std throws a std::exception, /throws/other
// throws an int, /throws/status answers an impossible status, /throws/length sets a header
// the host writes itself, /throws/newline a header value with a line break. Each must
// become a 500 while the server goes on.
#include <plugin_api/endpoint_plugin.hpp>

#include <stdexcept>

namespace {

using plugin_api::Request;
using plugin_api::Response;

class ThrowingPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_route("POST", "/throws/std", [](const Request&, Response&) {
            throw std::runtime_error("secret detail that must not reach the client");
        });
        registrar.add_route("POST", "/throws/other", [](const Request&, Response&) { throw 42; });
        registrar.add_route("POST", "/throws/status", [](const Request&, Response& response) { response.set_status(1000); });
        registrar.add_route("POST", "/throws/length", [](const Request&, Response& response) {
            response.set_header("Content-Length", "0");
        });
        registrar.add_route("POST", "/throws/newline", [](const Request&, Response& response) {
            response.set_header("X-Injected", "a\r\nSet-Cookie: stolen=1");
        });
    }
};

}  // namespace

PLUGIN_API_EXPORT(ThrowingPlugin)
