#pragma once

#include "metrics/prometheus_text.hpp"
#include "plugins/plugin_manager.hpp"

#include <vector>

namespace plugin_host {

/// Writes, by plugin, the gauges plugin_host_plugin_generation and
/// plugin_host_plugin_versions_draining and the counters plugin_host_plugin_loads_total and
/// plugin_host_plugin_refusals_total. A plugin no longer configured shows only its draining
/// versions. Called on the thread that answers GET /metrics.
void write_plugin_metrics(const std::vector<PluginStatus>& plugins, PrometheusText& out);

}  // namespace plugin_host
