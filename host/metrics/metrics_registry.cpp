#include "metrics/metrics_registry.hpp"

#include <prometheus/text_serializer.h>

namespace plugin_host {
namespace {

std::string escaped_help(const std::string& text) {
    std::string escaped;
    escaped.reserve(text.size());
    for (const char c : text) {
        if (c == '\\') {
            escaped += "\\\\";
        } else if (c == '\n') {
            escaped += "\\n";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

}  // namespace

MetricsRegistry::MetricsRegistry() : registry_(std::make_shared<prometheus::Registry>()) {}

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
    std::vector<prometheus::MetricFamily> families = registry_->Collect();
    for (const Collector& collector : collectors) {
        std::vector<prometheus::MetricFamily> more = collector();
        families.insert(families.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    return exposition_text(std::move(families));
}

std::string exposition_text(std::vector<prometheus::MetricFamily> families) {
    for (prometheus::MetricFamily& family : families) family.help = escaped_help(family.help);
    return prometheus::TextSerializer().Serialize(families);
}

void add_sample(prometheus::MetricFamily& family, double value, std::vector<prometheus::ClientMetric::Label> labels) {
    prometheus::ClientMetric& sample = family.metric.emplace_back();
    sample.label = std::move(labels);
    if (family.type == prometheus::MetricType::Counter) {
        sample.counter.value = value;
    } else {
        sample.gauge.value = value;
    }
}

prometheus::MetricFamily metric_family(std::string name, prometheus::MetricType type, std::string help) {
    prometheus::MetricFamily family;
    family.name = std::move(name);
    family.type = type;
    family.help = std::move(help);
    return family;
}

prometheus::MetricFamily single_sample(std::string name, prometheus::MetricType type, std::string help, double value) {
    prometheus::MetricFamily family = metric_family(std::move(name), type, std::move(help));
    add_sample(family, value);
    return family;
}

}  // namespace plugin_host
