#include "metrics/request_metrics.hpp"

#include <cstdio>
#include <string>

namespace plugin_host {
RequestMetrics::RequestMetrics() {
    endpoints_[0] = std::make_unique<Counters>("unmatched");
    endpoints_[1] = std::make_unique<Counters>("other");
    endpoint_count_ = 2;
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
    endpoints_[count] = std::make_unique<Counters>(std::string(method) + " " + std::string(path));
    endpoint_count_.store(count + 1, std::memory_order_release);
    return *endpoints_[count];
}

void RequestMetrics::finished(Counters& endpoint, int status, std::chrono::steady_clock::duration elapsed) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    if (status >= 0 && status < static_cast<int>(endpoint.by_status_.size())) {
        endpoint.by_status_[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
    }
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    endpoint.total_micros_.fetch_add(static_cast<std::uint64_t>(micros), std::memory_order_relaxed);
    const double seconds = static_cast<double>(micros) / 1e6;
    std::size_t bucket = 0;
    while (bucket < kBucketBounds.size() && seconds > kBucketBounds[bucket]) ++bucket;
    endpoint.buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
}

void RequestMetrics::write(PrometheusText& out) const {
    const std::size_t count = endpoint_count_.load(std::memory_order_acquire);

    out.family("plugin_host_requests_total", "counter", "Requests answered, by endpoint and status.");
    for (std::size_t i = 0; i < count; ++i) {
        const Counters& endpoint = *endpoints_[i];
        for (std::size_t status = 0; status < endpoint.by_status_.size(); ++status) {
            const std::uint64_t value = endpoint.by_status_[status].load(std::memory_order_relaxed);
            if (value == 0) continue;
            const std::string code = std::to_string(status);
            out.sample("plugin_host_requests_total", {{"endpoint", endpoint.label()}, {"status", code}},
                       static_cast<double>(value));
        }
    }

    out.family("plugin_host_request_duration_seconds", "histogram",
               "Time from a request's headers to its response, by endpoint.");
    for (std::size_t i = 0; i < count; ++i) {
        const Counters& endpoint = *endpoints_[i];
        std::uint64_t cumulative = 0;
        for (std::size_t bucket = 0; bucket < endpoint.buckets_.size(); ++bucket) {
            cumulative += endpoint.buckets_[bucket].load(std::memory_order_relaxed);
            char bound[32] = "+Inf";
            if (bucket < kBucketBounds.size()) std::snprintf(bound, sizeof bound, "%g", kBucketBounds[bucket]);
            out.sample("plugin_host_request_duration_seconds_bucket", {{"endpoint", endpoint.label()}, {"le", bound}},
                       static_cast<double>(cumulative));
        }
        out.sample("plugin_host_request_duration_seconds_sum", {{"endpoint", endpoint.label()}},
                   static_cast<double>(endpoint.total_micros_.load(std::memory_order_relaxed)) / 1e6);
        out.sample("plugin_host_request_duration_seconds_count", {{"endpoint", endpoint.label()}},
                   static_cast<double>(cumulative));
    }

    out.single("plugin_host_requests_in_flight", "gauge", "Requests being handled now.",
               static_cast<double>(in_flight_.load(std::memory_order_relaxed)));
}

}  // namespace plugin_host
