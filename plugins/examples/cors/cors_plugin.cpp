// cors: Cross-Origin Resource Sharing as a filter (contract 2.1): answers browsers'
// preflight requests and adds the CORS headers to every answer on its paths, the host's
// own 404, 405 and 500 included, so that no handler has to.
//
// - A preflight (OPTIONS with Origin and Access-Control-Request-Method) from an allowed
//   origin is answered 204 with Access-Control-Allow-Origin, -Methods, -Headers and
//   -Max-Age; from another origin, 403. Either way no handler runs.
// - Any other request with an allowed Origin gets Access-Control-Allow-Origin (the origin,
//   or * when any is allowed), Access-Control-Expose-Headers and Vary: Origin on its answer.
//
// Settings ([plugin.cors]):
//   origins        = allowed origins, or * (default *)
//   methods        = methods a preflight may ask for (default GET, POST, PUT, PATCH, DELETE)
//   headers        = request headers a preflight may ask for (default Authorization, Content-Type)
//   expose_headers = response headers scripts may read (default ETag, Location)
//   max_age        = how long a browser may cache a preflight (default 10min)
//   paths          = the path patterns it covers (default /{rest...}: every plugin path)
#include <plugin_api/endpoint_plugin.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace {

using plugin_api::FilterResult;
using plugin_api::Request;
using plugin_api::Response;

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

class CorsPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        plugin_api::Settings& settings = registrar.settings();
        origins_ = settings.list("origins", {"*"});
        methods_ = joined(settings.list("methods", {"GET", "POST", "PUT", "PATCH", "DELETE"}));
        headers_ = joined(settings.list("headers", {"Authorization", "Content-Type"}));
        expose_headers_ = joined(settings.list("expose_headers", {"ETag", "Location"}));
        max_age_ = std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(settings.duration("max_age", std::chrono::minutes(10))).count());
        any_origin_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
        for (const std::string& path : settings.list("paths", {"/{rest...}"})) {
            registrar.add_filter(
                "*", path, [this](const Request& request, Response& response) { return preflight(request, response); },
                [this](const Request& request, Response& response) { decorate(request, response); });
        }
    }

private:
    bool allowed(std::string_view origin) const {
        return any_origin_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
    }

    /// The value of Access-Control-Allow-Origin for `origin`.
    std::string allow_origin(std::string_view origin) const { return any_origin_ ? "*" : std::string(origin); }

    static bool is_preflight(const Request& request) {
        return request.method() == "OPTIONS" && request.header("Origin") &&
               request.header("Access-Control-Request-Method");
    }

    FilterResult preflight(const Request& request, Response& response) const {
        if (!is_preflight(request)) return FilterResult::proceed;
        const std::string_view origin = *request.header("Origin");
        if (!allowed(origin)) {
            response.set_status(403);
            response.set_body(R"({"error":"this origin may not call this server"})");
            return FilterResult::answered;
        }
        response.set_status(204);
        response.set_header("Access-Control-Allow-Origin", allow_origin(origin));
        response.set_header("Access-Control-Allow-Methods", methods_);
        response.set_header("Access-Control-Allow-Headers", headers_);
        response.set_header("Access-Control-Max-Age", max_age_);
        response.set_header("Vary", "Origin");
        return FilterResult::answered;
    }

    void decorate(const Request& request, Response& response) const {
        const std::optional<std::string_view> origin = request.header("Origin");
        if (!origin || !allowed(*origin) || is_preflight(request)) return;  // a preflight has its own
        response.set_header("Access-Control-Allow-Origin", allow_origin(*origin));
        if (!expose_headers_.empty()) response.set_header("Access-Control-Expose-Headers", expose_headers_);
        response.add_header("Vary", "Origin");
    }

    std::vector<std::string> origins_;
    bool any_origin_ = false;
    std::string methods_;
    std::string headers_;
    std::string expose_headers_;
    std::string max_age_;
};

}  // namespace

PLUGIN_API_EXPORT(CorsPlugin)
