#include "metrics/plugin_meter_values.hpp"

#include <algorithm>
#include <cmath>

namespace plugin_host {
namespace {

class DiscardedCounter final : public plugin_api::Counter {
public:
    void add(double) override {}
};

class DiscardedHistogram final : public plugin_api::Histogram {
public:
    void observe(double) override {}
};

}  // namespace

void PluginCounter::add(double amount) {
    if (!(amount > 0) || std::isinf(amount)) return;  // !(> 0) holds for NaN too
    value_.fetch_add(amount, std::memory_order_relaxed);
}

PluginHistogram::PluginHistogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void PluginHistogram::observe(double value) {
    if (!std::isfinite(value)) return;
    const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
    buckets_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

PluginHistogram::Snapshot PluginHistogram::snapshot() const {
    Snapshot snapshot;
    snapshot.cumulative.reserve(bounds_.size() + 1);
    std::uint64_t running = 0;
    for (std::size_t bucket = 0; bucket <= bounds_.size(); ++bucket) {
        running += buckets_[bucket].load(std::memory_order_relaxed);
        snapshot.cumulative.push_back(running);
    }
    snapshot.sum = sum_.load(std::memory_order_relaxed);
    return snapshot;
}

plugin_api::Counter& discarded_counter() {
    static DiscardedCounter counter;
    return counter;
}

plugin_api::Histogram& discarded_histogram() {
    static DiscardedHistogram histogram;
    return histogram;
}

}  // namespace plugin_host
