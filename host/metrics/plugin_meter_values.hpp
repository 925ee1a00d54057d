#pragma once

#include <plugin_api/endpoint_plugin.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace plugin_host {

/// The counter a plugin's series holds (plugin_api::Counter). Owned by PluginMeters, which
/// never frees it while the host runs. add() runs on any thread, concurrently, without a
/// lock: one atomic double, added to with a compare-and-swap loop (std::atomic<double>).
class PluginCounter final : public plugin_api::Counter {
public:
    /// Adds `amount`; a negative, zero, infinite or NaN amount is ignored (a counter that
    /// went down, or to +Inf or NaN, could never be read again).
    void add(double amount) override;

    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

/// The histogram a plugin's series holds (plugin_api::Histogram): one atomic count per
/// bucket and an atomic sum. Owned by PluginMeters, like PluginCounter. observe() runs on
/// any thread, concurrently, without a lock; snapshot() on the thread writing /metrics.
class PluginHistogram final : public plugin_api::Histogram {
public:
    /// `bounds`: finite and ascending (checked before, by meter_definition_problem()).
    explicit PluginHistogram(std::vector<double> bounds);

    /// Counts `value` in the first bucket whose bound is at least `value` (or +Inf) and adds
    /// it to the sum; an infinite or NaN value is ignored (it would spoil the sum for good).
    void observe(double value) override;

    const std::vector<double>& bounds() const { return bounds_; }

    /// The buckets' counts, cumulative as /metrics shows them (one more than bounds(): the
    /// last, +Inf, is the count), and the sum. Read bucket by bucket while observe() runs:
    /// each count is exact, the whole a moment's picture within a few observations.
    struct Snapshot {
        std::vector<std::uint64_t> cumulative;
        double sum = 0;
    };
    Snapshot snapshot() const;

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1, not cumulative
    std::atomic<double> sum_{0};
};

/// A counter and a histogram that count nothing and are shown nowhere: what a plugin gets for
/// a metric it asked for badly, so that its code runs on until the host refuses it. One of
/// each for the whole process (stateless), valid for ever; any thread.
plugin_api::Counter& discarded_counter();
plugin_api::Histogram& discarded_histogram();

}  // namespace plugin_host
