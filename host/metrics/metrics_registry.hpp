#pragma once

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace plugin_host {

/// What GET /metrics shows, built on prometheus-cpp. Two kinds of figures go in:
/// - metrics counted as things happen (RequestMetrics): the library's counters, gauges and
///   histograms in families of registry(), updated on the request threads without a lock;
/// - figures read when /metrics is asked for (connections, plugins' generations, plugins'
///   own metrics): collectors, each returning its families at that moment.
/// Collectors are added once, before the server serves (the Host's constructor). render()
/// may run on any thread, concurrently: registry() first, then the collectors in the
/// order they were added, all through the library's text serializer.
class MetricsRegistry {
public:
    using Collector = std::function<std::vector<prometheus::MetricFamily>()>;

    MetricsRegistry();

    /// The families counted as things happen. Valid for the registry's life.
    prometheus::Registry& registry() { return *registry_; }

    void add(Collector collector);

    /// Every family, in the Prometheus text format (version 0.0.4).
    std::string render() const;

private:
    std::shared_ptr<prometheus::Registry> registry_;
    mutable std::mutex mutex_;
    std::vector<Collector> collectors_;
};

/// `families` in the Prometheus text format, through prometheus-cpp's TextSerializer. Its
/// version (1.0) writes a HELP text as it is given, so the HELP texts are escaped here first
/// (backslash as \\, line feed as \n), as the format asks; label values, bounds and NaN or
/// ±Inf values are the library's to write.
std::string exposition_text(std::vector<prometheus::MetricFamily> families);

/// One sample of a family made at scrape time: `value` as a gauge's or a counter's,
/// according to `family`'s type, with `labels`.
void add_sample(prometheus::MetricFamily& family, double value, std::vector<prometheus::ClientMetric::Label> labels = {});

/// A family of `type` without samples yet.
prometheus::MetricFamily metric_family(std::string name, prometheus::MetricType type, std::string help);

/// A family of one sample without labels.
prometheus::MetricFamily single_sample(std::string name, prometheus::MetricType type, std::string help, double value);

}  // namespace plugin_host
