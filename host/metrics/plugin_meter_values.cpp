#include "metrics/plugin_meter_values.hpp"

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
    counter_.Increment(amount);
}

PluginHistogram::PluginHistogram(const std::vector<double>& bounds) : histogram_(bounds) {}

void PluginHistogram::observe(double value) {
    if (!std::isfinite(value)) return;
    histogram_.Observe(value);
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
