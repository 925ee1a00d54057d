#include "http/request_metrics.hpp"

#include <cstdio>

namespace plugin_host {
namespace {

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.15g", value);
    return text;
}

}  // namespace

std::string prometheus_label_value(std::string_view text) {
    std::string escaped;
    escaped.reserve(text.size());
    for (const char c : text) {
        if (c == '\\' || c == '"') escaped += '\\';
        if (c == '\n') {
            escaped += "\\n";
            continue;
        }
        escaped += c;
    }
    return escaped;
}

RequestMetrics::RequestMetrics() {
    endpoints_[0] = std::make_unique<Endpoint>("unmatched");
    endpoints_[1] = std::make_unique<Endpoint>("other");
    endpoint_count_ = 2;
}

RequestMetrics::Endpoint* RequestMetrics::find(std::string_view method, std::string_view path,
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

RequestMetrics::Endpoint& RequestMetrics::endpoint(std::string_view method, std::string_view path) {
    if (Endpoint* known = find(method, path, endpoint_count_.load(std::memory_order_acquire))) return *known;

    std::lock_guard lock(adding_);
    const std::size_t count = endpoint_count_.load(std::memory_order_relaxed);
    if (Endpoint* known = find(method, path, count)) return *known;
    if (count == kMaxEndpoints) return *endpoints_[1];
    endpoints_[count] = std::make_unique<Endpoint>(std::string(method) + " " + std::string(path));
    endpoint_count_.store(count + 1, std::memory_order_release);
    return *endpoints_[count];
}

void RequestMetrics::finished(Endpoint& endpoint, int status, std::chrono::steady_clock::duration elapsed) {
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

std::string RequestMetrics::render() const {
    std::string out;
    const std::size_t count = endpoint_count_.load(std::memory_order_acquire);

    out += "# HELP plugin_host_requests_total Requests answered, by endpoint and status.\n"
           "# TYPE plugin_host_requests_total counter\n";
    for (std::size_t i = 0; i < count; ++i) {
        const Endpoint& endpoint = *endpoints_[i];
        for (std::size_t status = 0; status < endpoint.by_status_.size(); ++status) {
            const std::uint64_t value = endpoint.by_status_[status].load(std::memory_order_relaxed);
            if (value == 0) continue;
            out += "plugin_host_requests_total{endpoint=\"" + prometheus_label_value(endpoint.label()) + "\",status=\"" +
                   std::to_string(status) + "\"} " + std::to_string(value) + "\n";
        }
    }

    out += "# HELP plugin_host_request_duration_seconds Time from a request's headers to its response, by "
           "endpoint.\n"
           "# TYPE plugin_host_request_duration_seconds histogram\n";
    for (std::size_t i = 0; i < count; ++i) {
        const Endpoint& endpoint = *endpoints_[i];
        const std::string label = "endpoint=\"" + prometheus_label_value(endpoint.label()) + "\"";
        std::uint64_t cumulative = 0;
        for (std::size_t bucket = 0; bucket < endpoint.buckets_.size(); ++bucket) {
            cumulative += endpoint.buckets_[bucket].load(std::memory_order_relaxed);
            const std::string bound = bucket < kBucketBounds.size() ? number(kBucketBounds[bucket]) : "+Inf";
            out += "plugin_host_request_duration_seconds_bucket{" + label + ",le=\"" + bound + "\"} " +
                   std::to_string(cumulative) + "\n";
        }
        out += "plugin_host_request_duration_seconds_sum{" + label + "} " +
               number(static_cast<double>(endpoint.total_micros_.load(std::memory_order_relaxed)) / 1e6) + "\n";
        out += "plugin_host_request_duration_seconds_count{" + label + "} " + std::to_string(cumulative) + "\n";
    }

    append_metric(out, "plugin_host_requests_in_flight", "gauge", "Requests being handled now.",
                  static_cast<double>(in_flight_.load(std::memory_order_relaxed)));
    return out;
}

void append_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                   double value) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    out.append(name).append(" ").append(number(value)).append("\n");
}

}  // namespace plugin_host
