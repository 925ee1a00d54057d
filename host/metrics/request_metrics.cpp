#include "metrics/request_metrics.hpp"

#include <string>

namespace plugin_host {

prometheus::Counter& RequestMetrics::Counters::by_status(std::size_t status) {
    prometheus::Counter* counter = by_status_[status].load(std::memory_order_acquire);
    if (counter == nullptr) {
        // Family::Add returns the series already there for the same labels, so two threads
        // that both miss store the same pointer.
        counter = &requests_.Add({{"endpoint", label_}, {"status", std::to_string(status)}});
        by_status_[status].store(counter, std::memory_order_release);
    }
    return *counter;
}

RequestMetrics::RequestMetrics() : RequestMetrics(nullptr) {}

RequestMetrics::RequestMetrics(prometheus::Registry& registry) : RequestMetrics(&registry) {}

RequestMetrics::RequestMetrics(prometheus::Registry* shared)
    : own_registry_(shared != nullptr ? nullptr : std::make_unique<prometheus::Registry>()),
      registry_(shared != nullptr ? *shared : *own_registry_),
      requests_(prometheus::BuildCounter()
                    .Name("plugin_host_requests_total")
                    .Help("Requests answered, by endpoint and status.")
                    .Register(registry_)),
      durations_(prometheus::BuildHistogram()
                     .Name("plugin_host_request_duration_seconds")
                     .Help("Time from a request's headers to its response, by endpoint.")
                     .Register(registry_)),
      in_flight_(prometheus::BuildGauge()
                     .Name("plugin_host_requests_in_flight")
                     .Help("Requests being handled now.")
                     .Register(registry_)
                     .Add({})) {
    endpoints_[0] = make_counters("unmatched");
    endpoints_[1] = make_counters("other");
    endpoint_count_ = 2;
}

std::unique_ptr<RequestMetrics::Counters> RequestMetrics::make_counters(std::string label) {
    prometheus::Histogram& duration = durations_.Add(
        {{"endpoint", label}}, prometheus::Histogram::BucketBoundaries(kBucketBounds.begin(), kBucketBounds.end()));
    return std::make_unique<Counters>(std::move(label), requests_, duration);
}

RequestMetrics::Counters* RequestMetrics::find(std::string_view method, std::string_view path,
                                               std::size_t count) const {
    for (std::size_t i = 2; i < count; ++i) {
        const std::string_view label = endpoints_[i]->label();
        if (label.size() == method.size() + 1 + path.size() && label.starts_with(method) &&
            label[method.size()] == ' ' && label.ends_with(path)) {
            return endpoints_[i].get();
        }
    }
    return nullptr;
}

RequestMetrics::Counters& RequestMetrics::endpoint(std::string_view method, std::string_view path) {
    if (Counters* known = find(method, path, endpoint_count_.load(std::memory_order_acquire))) return *known;

    std::lock_guard lock(adding_);
    const std::size_t count = endpoint_count_.load(std::memory_order_relaxed);
    if (Counters* known = find(method, path, count)) return *known;
    if (count == kMaxEndpoints) return *endpoints_[1];
    endpoints_[count] = make_counters(std::string(method) + " " + std::string(path));
    endpoint_count_.store(count + 1, std::memory_order_release);
    return *endpoints_[count];
}

void RequestMetrics::finished(Counters& endpoint, int status, std::chrono::steady_clock::duration elapsed) {
    in_flight_.Decrement();
    if (status >= 0 && status < static_cast<int>(endpoint.by_status_.size())) {
        endpoint.by_status(static_cast<std::size_t>(status)).Increment();
    }
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    endpoint.duration_.Observe(static_cast<double>(micros) / 1e6);
}

}  // namespace plugin_host
