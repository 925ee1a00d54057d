#pragma once

#include <plugin_api/endpoint_plugin.hpp>

#include <prometheus/client_metric.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <vector>

namespace plugin_host {

/// The counter a plugin's series holds (plugin_api::Counter): a prometheus::Counter, with
/// what would spoil it kept out. Owned by PluginMeters, which never frees it while the host
/// runs. add() runs on any thread, concurrently, without a lock (the library's atomic double).
class PluginCounter final : public plugin_api::Counter {
public:
    /// Adds `amount`; a negative, zero, infinite or NaN amount is ignored (a counter that
    /// went down, or to +Inf or NaN, could never be read again).
    void add(double amount) override;

    double value() const { return counter_.Value(); }

private:
    prometheus::Counter counter_;
};

/// The histogram a plugin's series holds (plugin_api::Histogram): a prometheus::Histogram.
/// Owned by PluginMeters, like PluginCounter. observe() runs on any thread, concurrently
/// (the library takes the histogram's own short lock); collect() on the thread writing
/// /metrics.
class PluginHistogram final : public plugin_api::Histogram {
public:
    /// `bounds`: finite and ascending (checked before, by meter_definition_problem()).
    explicit PluginHistogram(const std::vector<double>& bounds);

    /// Counts `value` in the first bucket whose bound is at least `value` (or +Inf) and adds
    /// it to the sum; an infinite or NaN value is ignored (it would spoil the sum for good).
    void observe(double value) override;

    /// The cumulative buckets (+Inf last), the count and the sum, as one consistent picture.
    prometheus::ClientMetric collect() const { return histogram_.Collect(); }

private:
    prometheus::Histogram histogram_;
};

/// A counter and a histogram that count nothing and are shown nowhere: what a plugin gets for
/// a metric it asked for badly, so that its code runs on until the host refuses it. One of
/// each for the whole process (stateless), valid for ever; any thread.
plugin_api::Counter& discarded_counter();
plugin_api::Histogram& discarded_histogram();

}  // namespace plugin_host
