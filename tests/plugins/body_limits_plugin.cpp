// A plugin whose routes have body limits of their own (Registrar::set_max_body_bytes()), for
// tests/host/app/route_body_limit_test.cpp. POST /upload takes up to `upload_bytes` (default
// 4096), POST /small up to `small_bytes` (default 16); both answer {"bytes":N}, the length of
// the body they received. `upload_limit_route` is the template the upload limit is set for
// (default /upload): naming a route the plugin does not register must refuse it.
#include <plugin_api/endpoint_plugin.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace {

void answer_length(const plugin_api::Request& request, plugin_api::Response& response) {
    response.set_body("{\"bytes\":" + std::to_string(request.body().size()) + "}");
}

class BodyLimitsPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        plugin_api::Settings& settings = registrar.settings();
        constexpr std::int64_t kMost = std::numeric_limits<std::int64_t>::max();
        const auto upload_bytes = static_cast<std::uint64_t>(settings.integer("upload_bytes", 4096, 0, kMost));
        const auto small_bytes = static_cast<std::uint64_t>(settings.integer("small_bytes", 16, 0, kMost));
        const std::string upload_limit_route = settings.text("upload_limit_route", "/upload");

        registrar.add_route("POST", "/upload", answer_length);
        registrar.add_route("POST", "/small", answer_length);
        registrar.set_max_body_bytes("POST", upload_limit_route, upload_bytes);
        registrar.set_max_body_bytes("POST", "/small", small_bytes);
    }
};

}  // namespace

PLUGIN_API_EXPORT(BodyLimitsPlugin)
