#include "plugins/plugin_metrics.hpp"

namespace plugin_host {
namespace {

/// One family: a sample for each plugin `configured_only` allows, valued by `value`.
template <typename Value>
void write_family(PrometheusText& out, const std::vector<PluginStatus>& plugins, std::string_view name,
                  std::string_view type, std::string_view help, bool configured_only, Value value) {
    out.family(name, type, help);
    for (const PluginStatus& plugin : plugins) {
        if (plugin.configured || !configured_only) {
            out.sample(name, {{"plugin", plugin.name}}, static_cast<double>(value(plugin)));
        }
    }
}

}  // namespace

void write_plugin_metrics(const std::vector<PluginStatus>& plugins, PrometheusText& out) {
    write_family(out, plugins, "plugin_host_plugin_generation", "gauge",
                 "The generation of each plugin serving now (0: none).", true,
                 [](const PluginStatus& plugin) { return plugin.generation; });
    write_family(out, plugins, "plugin_host_plugin_versions_draining", "gauge",
                 "Old versions of each plugin still in use.", false,
                 [](const PluginStatus& plugin) { return plugin.draining.size(); });
    write_family(out, plugins, "plugin_host_plugin_loads_total", "counter",
                 "Versions of each plugin loaded: at start-up and by every swap.", true,
                 [](const PluginStatus& plugin) { return plugin.loads; });
    write_family(out, plugins, "plugin_host_plugin_refusals_total", "counter",
                 "Attempts to load a plugin's file that were refused (the log says why).", true,
                 [](const PluginStatus& plugin) { return plugin.refusals; });
}

}  // namespace plugin_host
