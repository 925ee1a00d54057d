#include "app/admin_endpoints.hpp"

#include "http/json_text.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

namespace plugin_host {
namespace {

std::string timestamp(std::chrono::system_clock::time_point at) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
    return Poco::DateTimeFormatter::format(Poco::Timestamp(micros), Poco::DateTimeFormat::ISO8601_FRAC_FORMAT);
}

JsonWriter& strings(JsonWriter& json, const std::vector<std::string>& items) {
    json.begin_array();
    for (const std::string& item : items) json.string(item);
    return json.end_array();
}

}  // namespace

HttpResponse plugins_response(const std::vector<PluginStatus>& plugins) {
    JsonWriter json;
    json.begin_object().key("plugins").begin_array();
    for (const PluginStatus& plugin : plugins) {
        json.begin_object()
            .key("name").string(plugin.name)
            .key("file").string(plugin.file.string())
            .key("configured").boolean(plugin.configured)
            .key("loaded").boolean(plugin.loaded);
        if (plugin.loaded) {
            json.key("generation").number(plugin.generation).key("loaded_at").string(timestamp(plugin.loaded_at));
            strings(json.key("routes"), plugin.routes);
            strings(json.key("filters"), plugin.filters);
        }
        json.key("last_refusal");
        if (plugin.last_refusal) {
            json.begin_object()
                .key("at").string(timestamp(plugin.last_refusal->at))
                .key("reason").string(plugin.last_refusal->reason)
                .end_object();
        } else {
            json.null();
        }
        json.key("draining").begin_array();
        for (const DrainingVersion& old : plugin.draining) {
            json.begin_object().key("generation").number(old.generation).key("loaded_at").string(timestamp(old.loaded_at)).end_object();
        }
        json.end_array().end_object();
    }
    return json_response(200, json.end_array().end_object().take());
}

HttpResponse reload_response(const ReloadReport& report) {
    JsonWriter json;
    json.begin_object().key("ok").boolean(report.ok());
    strings(json.key("loaded"), report.loaded);
    strings(json.key("removed"), report.removed);
    strings(json.key("unchanged"), report.unchanged);
    json.key("refused").begin_array();
    for (const auto& [plugin, reason] : report.refused) {
        json.begin_object().key("plugin").string(plugin).key("reason").string(reason).end_object();
    }
    json.end_array().key("config_error");
    if (report.config_error.empty()) {
        json.null();
    } else {
        json.string(report.config_error);
    }
    return json_response(report.ok() ? 200 : 409, json.end_object().take());
}

HttpResponse health_response(const std::vector<PluginStatus>& plugins, bool every_plugin_required) {
    std::vector<std::string> loaded;
    std::vector<std::string> missing;
    std::vector<const PluginStatus*> refused;
    for (const PluginStatus& plugin : plugins) {
        if (!plugin.configured) continue;
        (plugin.loaded ? loaded : missing).push_back(plugin.name);
        if (plugin.last_refusal && (!plugin.loaded || plugin.last_refusal->at > plugin.loaded_at)) {
            refused.push_back(&plugin);
        }
    }
    JsonWriter json;
    json.begin_object().key("status").string(missing.empty() ? "ok" : "degraded");
    strings(json.key("plugins"), loaded);
    if (!missing.empty()) strings(json.key("missing"), missing);
    if (!refused.empty()) {
        json.key("refused").begin_array();
        for (const PluginStatus* plugin : refused) {
            json.begin_object()
                .key("plugin").string(plugin->name)
                .key("at").string(timestamp(plugin->last_refusal->at))
                .key("reason").string(plugin->last_refusal->reason)
                .end_object();
        }
        json.end_array();
    }
    const bool unready = every_plugin_required && !missing.empty();
    return json_response(unready ? 503 : 200, json.end_object().take());
}

}  // namespace plugin_host
