#pragma once

#include "metrics/prometheus_text.hpp"

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
/// Any thread may record; write() may run concurrently with recording.
class RequestMetrics {
public:
    /// Upper bounds of the latency histogram's buckets, in seconds (plus +Inf).
    static constexpr std::array<double, 12> kBucketBounds{0.001, 0.005, 0.01, 0.05, 0.1, 0.25,
                                                          0.5,   1.0,   2.0,  2.5,  5.0, 10.0};

    /// One endpoint's counters.
    class Counters {
    public:
        explicit Counters(std::string label) : label_(std::move(label)) {}
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
    Counters& endpoint(std::string_view method, std::string_view path);

    /// Counters for requests that matched no endpoint (404, 405, malformed requests).
    Counters& unmatched() { return *endpoints_[0]; }

    /// A request started; pair with finished().
    void started() { in_flight_.fetch_add(1, std::memory_order_relaxed); }

    /// A request ended with `status` after `elapsed`.
    void finished(Counters& endpoint, int status, std::chrono::steady_clock::duration elapsed);

    /// Writes the families requests_total, request_duration_seconds and requests_in_flight.
    void write(PrometheusText& out) const;

    static constexpr std::size_t kMaxEndpoints = 256;

private:
    Counters* find(std::string_view method, std::string_view path, std::size_t count) const;

    std::array<std::unique_ptr<Counters>, kMaxEndpoints> endpoints_;
    std::atomic<std::size_t> endpoint_count_{0};
    std::mutex adding_;
    std::atomic<std::int64_t> in_flight_{0};
};

}  // namespace plugin_host
