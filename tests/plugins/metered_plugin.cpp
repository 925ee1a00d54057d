// A plugin with metrics of its own, for the tests of plugin metrics through the host: CMake
// builds this file as metered_v1.so and metered_v2.so with PLUGIN_VERSION "v1" / "v2". It
// serves POST <route> (default /metered): each request adds 1 to the counter <counter>
// (default metered_requests_total) and observes its body's length in bytes in the histogram
// metered_body_bytes (bounds 1, 10, 100), and is answered {"version":"<PLUGIN_VERSION>"}.
#include <plugin_api/endpoint_plugin.hpp>

#include <string>

#ifndef PLUGIN_VERSION
#error "PLUGIN_VERSION must name the build (v1 or v2)"
#endif

namespace {

class MeteredPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        const std::string counter_name = registrar.settings().text("counter", "metered_requests_total");
        plugin_api::Counter& requests = registrar.counter(counter_name, "Requests to the metered plugin.");
        plugin_api::Histogram& body_bytes =
            registrar.histogram("metered_body_bytes", "Bodies the metered plugin took, in bytes.", {1, 10, 100});
        registrar.add_route("POST", registrar.settings().text("route", "/metered"),
                            [&requests, &body_bytes](const plugin_api::Request& request, plugin_api::Response& response) {
                                requests.increment();
                                body_bytes.observe(static_cast<double>(request.body().size()));
                                response.set_body(std::string(R"({"version":")") + PLUGIN_VERSION + "\"}");
                            });
    }
};

}  // namespace

PLUGIN_API_EXPORT(MeteredPlugin)
