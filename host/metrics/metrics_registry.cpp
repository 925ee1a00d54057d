#include "metrics/metrics_registry.hpp"

namespace plugin_host {

void MetricsRegistry::add(Collector collector) {
    std::lock_guard lock(mutex_);
    collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::render() const {
    std::vector<Collector> collectors;
    {
        std::lock_guard lock(mutex_);
        collectors = collectors_;
    }
    PrometheusText out;
    for (const Collector& collector : collectors) collector(out);
    return out.take();
}

}  // namespace plugin_host
