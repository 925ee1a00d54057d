#include "plugins/plugin_metrics.hpp"

#include "metrics/metrics_registry.hpp"

namespace plugin_host {
namespace {

/// One family: a sample for each plugin `configured_only` allows, valued by `value`.
template <typename Value>
prometheus::MetricFamily family(const std::vector<PluginStatus>& plugins, std::string name,
                                prometheus::MetricType type, std::string help, bool configured_only, Value value) {
    prometheus::MetricFamily made = metric_family(std::move(name), type, std::move(help));
    for (const PluginStatus& plugin : plugins) {
        if (plugin.configured || !configured_only) {
            add_sample(made, static_cast<double>(value(plugin)), {{"plugin", plugin.name}});
        }
    }
    return made;
}

}  // namespace

std::vector<prometheus::MetricFamily> plugin_metric_families(const std::vector<PluginStatus>& plugins) {
    using prometheus::MetricType;
    return {family(plugins, "plugin_host_plugin_generation", MetricType::Gauge,
                   "The generation of each plugin serving now (0: none).", true,
                   [](const PluginStatus& plugin) { return plugin.generation; }),
            family(plugins, "plugin_host_plugin_versions_draining", MetricType::Gauge,
                   "Old versions of each plugin still in use.", false,
                   [](const PluginStatus& plugin) { return plugin.draining.size(); }),
            family(plugins, "plugin_host_plugin_loads_total", MetricType::Counter,
                   "Versions of each plugin loaded: at start-up and by every swap.", true,
                   [](const PluginStatus& plugin) { return plugin.loads; }),
            family(plugins, "plugin_host_plugin_refusals_total", MetricType::Counter,
                   "Attempts to load a plugin's file that were refused (the log says why).", true,
                   [](const PluginStatus& plugin) { return plugin.refusals; })};
}

}  // namespace plugin_host
