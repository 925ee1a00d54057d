#include "app/admin_endpoints.hpp"

#include "http/json_body.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

// Called by the dispatcher on the request's connection thread, with a snapshot of the
// plugins' state; each builds its document member by member, in the order the bodies show.

namespace plugin_host {
namespace {

std::string timestamp(std::chrono::system_clock::time_point at) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
    return Poco::DateTimeFormatter::format(Poco::Timestamp(micros), Poco::DateTimeFormat::ISO8601_FRAC_FORMAT);
}

JsonDocument strings(const std::vector<std::string>& items) {
    JsonDocument array = JsonDocument::array();
    for (const std::string& item : items) array.push_back(item);
    return array;
}

JsonDocument plugin_document(const PluginStatus& plugin) {
    JsonDocument document{{"name", plugin.name},
                          {"file", plugin.file.string()},
                          {"configured", plugin.configured},
                          {"loaded", plugin.loaded}};
    if (plugin.loaded) {
        document["generation"] = plugin.generation;
        document["loaded_at"] = timestamp(plugin.loaded_at);
        document["routes"] = strings(plugin.routes);
        document["filters"] = strings(plugin.filters);
    }
    document["last_refusal"] = nullptr;
    if (plugin.last_refusal) {
        document["last_refusal"] = {{"at", timestamp(plugin.last_refusal->at)}, {"reason", plugin.last_refusal->reason}};
    }
    JsonDocument& draining = document["draining"] = JsonDocument::array();
    for (const DrainingVersion& old : plugin.draining) {
        draining.push_back({{"generation", old.generation}, {"loaded_at", timestamp(old.loaded_at)}});
    }
    return document;
}

}  // namespace

HttpResponse plugins_response(const std::vector<PluginStatus>& plugins) {
    JsonDocument list = JsonDocument::array();
    for (const PluginStatus& plugin : plugins) list.push_back(plugin_document(plugin));
    return json_response(200, json_body({{"plugins", std::move(list)}}));
}

HttpResponse reload_response(const ReloadReport& report) {
    JsonDocument refused = JsonDocument::array();
    for (const auto& [plugin, reason] : report.refused) refused.push_back({{"plugin", plugin}, {"reason", reason}});
    const JsonDocument document{{"ok", report.ok()},
                                {"loaded", strings(report.loaded)},
                                {"removed", strings(report.removed)},
                                {"unchanged", strings(report.unchanged)},
                                {"refused", std::move(refused)},
                                {"config_error", report.config_error.empty() ? JsonDocument() : JsonDocument(report.config_error)}};
    return json_response(report.ok() ? 200 : 409, json_body(document));
}

HttpResponse health_response(const std::vector<PluginStatus>& plugins, bool every_plugin_required) {
    std::vector<std::string> loaded;
    std::vector<std::string> missing;
    JsonDocument refused = JsonDocument::array();
    for (const PluginStatus& plugin : plugins) {
        if (!plugin.configured) continue;
        (plugin.loaded ? loaded : missing).push_back(plugin.name);
        if (plugin.last_refusal && (!plugin.loaded || plugin.last_refusal->at > plugin.loaded_at)) {
            refused.push_back({{"plugin", plugin.name},
                               {"at", timestamp(plugin.last_refusal->at)},
                               {"reason", plugin.last_refusal->reason}});
        }
    }
    JsonDocument document{{"status", missing.empty() ? "ok" : "degraded"}, {"plugins", strings(loaded)}};
    if (!missing.empty()) document["missing"] = strings(missing);
    if (!refused.empty()) document["refused"] = std::move(refused);
    const bool unready = every_plugin_required && !missing.empty();
    return json_response(unready ? 503 : 200, json_body(document));
}

}  // namespace plugin_host
