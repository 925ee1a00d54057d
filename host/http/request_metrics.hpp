#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace plugin_host {

/// Request counters and latency histograms by endpoint, kept with relaxed atomics so that
/// recording costs a few increments on the request path. Endpoints are found by label
/// ("POST /first") without a lock; a new label is added under a mutex. Labels are never
/// removed, so a pointer to an endpoint's counters stays valid for the object's life.
/// Any thread may record; render() may run concurrently with recording.
class RequestMetrics {
public:
    /// Upper bounds of the latency histogram's buckets, in seconds (plus +Inf).
    static constexpr std::array<double, 12> kBucketBounds{0.001, 0.005, 0.01, 0.05, 0.1, 0.25,
                                                          0.5,   1.0,   2.0,  2.5,  5.0, 10.0};

    class Endpoint {
    public:
        explicit Endpoint(std::string label) : label_(std::move(label)) {}
        const std::string& label() const { return label_; }

    private:
        friend class RequestMetrics;
        std::string label_;
        std::array<std::atomic<std::uint64_t>, 600> by_status_{};
        std::array<std::atomic<std::uint64_t>, kBucketBounds.size() + 1> buckets_{};
        std::atomic<std::uint64_t> total_micros_{0};
    };

    RequestMetrics();

    /// The counters for "<method> <path>", e.g. POST /first. Beyond kMaxEndpoints labels,
    /// endpoints share the "other" counters, so a flood of swapped-in paths cannot grow
    /// memory without bound.
    Endpoint& endpoint(std::string_view method, std::string_view path);

    /// Counters for requests that matched no endpoint (404, 405, malformed requests).
    Endpoint& unmatched() { return *endpoints_[0]; }

    /// A request started; pair with finished().
    void started() { in_flight_.fetch_add(1, std::memory_order_relaxed); }

    /// A request ended with `status` after `elapsed`.
    void finished(Endpoint& endpoint, int status, std::chrono::steady_clock::duration elapsed);

    /// The counters in Prometheus text format (requests_total, request_duration_seconds,
    /// requests_in_flight).
    std::string render() const;

    static constexpr std::size_t kMaxEndpoints = 256;

private:
    Endpoint* find(std::string_view method, std::string_view path, std::size_t count) const;

    std::array<std::unique_ptr<Endpoint>, kMaxEndpoints> endpoints_;
    std::atomic<std::size_t> endpoint_count_{0};
    std::mutex adding_;
    std::atomic<std::int64_t> in_flight_{0};
};

/// `text` escaped for a label value of the Prometheus text format (backslash, double quote,
/// line feed), without the quotes.
std::string prometheus_label_value(std::string_view text);

/// Appends one Prometheus gauge or counter with its HELP and TYPE lines.
void append_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                   double value);

}  // namespace plugin_host
