#pragma once

#include "metrics/prometheus_text.hpp"

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace plugin_host {

/// What GET /metrics shows: every part of the host that has figures to report adds a
/// collector, which writes its families when the metrics are rendered. Collectors are added
/// once, before the server serves (the Host's constructor); render() may run on any thread,
/// concurrently, and calls them in the order they were added.
class MetricsRegistry {
public:
    using Collector = std::function<void(PrometheusText&)>;

    void add(Collector collector);

    /// Every collector's families, in the Prometheus text format.
    std::string render() const;

private:
    mutable std::mutex mutex_;
    std::vector<Collector> collectors_;
};

}  // namespace plugin_host
