#include "app/admin_endpoints.hpp"

#include "http/json_text.hpp"
#include "routing/request_dispatcher.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

namespace plugin_host {
namespace {

std::string json_quoted(std::string_view text) { return "\"" + json_escape(text) + "\""; }

std::string timestamp(std::chrono::system_clock::time_point at) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
    return json_quoted(Poco::DateTimeFormatter::format(Poco::Timestamp(micros), Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
}

template <typename Items, typename Render>
std::string array(const Items& items, Render render) {
    std::string json = "[";
    for (const auto& item : items) {
        if (json.size() > 1) json += ',';
        json += render(item);
    }
    return json + "]";
}

}  // namespace

HttpResponse plugins_response(const std::vector<PluginStatus>& plugins) {
    const std::string body = "{\"plugins\":" + array(plugins, [](const PluginStatus& plugin) {
        std::string json = "{\"name\":" + json_quoted(plugin.name) + ",\"file\":" + json_quoted(plugin.file.string()) +
                           ",\"configured\":" + (plugin.configured ? "true" : "false") +
                           ",\"loaded\":" + (plugin.loaded ? "true" : "false");
        if (plugin.loaded) {
            json += ",\"generation\":" + std::to_string(plugin.generation) +
                    ",\"loaded_at\":" + timestamp(plugin.loaded_at) +
                    ",\"routes\":" + array(plugin.routes, json_quoted);
        }
        json += ",\"last_refusal\":";
        json += plugin.last_refusal ? "{\"at\":" + timestamp(plugin.last_refusal->at) +
                                          ",\"reason\":" + json_quoted(plugin.last_refusal->reason) + "}"
                                    : std::string("null");
        json += ",\"draining\":" + array(plugin.draining, [](const DrainingVersion& old) {
                    return "{\"generation\":" + std::to_string(old.generation) +
                           ",\"loaded_at\":" + timestamp(old.loaded_at) + "}";
                });
        return json + "}";
    }) + "}";
    return json_response(200, body);
}

HttpResponse reload_response(const ReloadReport& report) {
    std::string body = "{\"ok\":" + std::string(report.ok() ? "true" : "false") +
                       ",\"loaded\":" + array(report.loaded, json_quoted) +
                       ",\"removed\":" + array(report.removed, json_quoted) +
                       ",\"unchanged\":" + array(report.unchanged, json_quoted) +
                       ",\"refused\":" + array(report.refused, [](const auto& refused) {
                           return "{\"plugin\":" + json_quoted(refused.first) + ",\"reason\":" + json_quoted(refused.second) + "}";
                       }) +
                       ",\"config_error\":" + (report.config_error.empty() ? "null" : json_quoted(report.config_error)) + "}";
    return json_response(report.ok() ? 200 : 409, std::move(body));
}

HttpResponse health_response(const std::vector<PluginStatus>& plugins) {
    std::vector<std::string> loaded;
    std::vector<std::string> missing;
    for (const PluginStatus& plugin : plugins) {
        if (plugin.configured) (plugin.loaded ? loaded : missing).push_back(plugin.name);
    }
    if (missing.empty()) return json_response(200, "{\"status\":\"ok\",\"plugins\":" + array(loaded, json_quoted) + "}");
    return json_response(503, "{\"status\":\"degraded\",\"plugins\":" + array(loaded, json_quoted) +
                                  ",\"missing\":" + array(missing, json_quoted) + "}");
}

}  // namespace plugin_host
