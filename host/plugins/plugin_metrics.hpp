#pragma once

#include "plugins/plugin_manager.hpp"

#include <prometheus/metric_family.h>

#include <vector>

namespace plugin_host {

/// The families, by plugin, of the gauges plugin_host_plugin_generation and
/// plugin_host_plugin_versions_draining and the counters plugin_host_plugin_loads_total and
/// plugin_host_plugin_refusals_total, valued from `plugins` (PluginManager::status()) at
/// scrape time. A plugin no longer configured shows only its draining versions. Called on
/// the thread that answers GET /metrics.
std::vector<prometheus::MetricFamily> plugin_metric_families(const std::vector<PluginStatus>& plugins);

}  // namespace plugin_host
