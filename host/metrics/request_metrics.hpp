#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace plugin_host {

/// Request counters and latency histograms by endpoint: prometheus-cpp's Counter and
/// Histogram in the families plugin_host_requests_total{endpoint,status} and
/// plugin_host_request_duration_seconds{endpoint}, and the gauge
/// plugin_host_requests_in_flight. Finding a labelled series in a family takes the family's
/// mutex and hashes its labels, so it is done once per endpoint (the histogram, when the
/// endpoint is first seen) and once per endpoint and status (the counter, when that status
/// is first answered); a request then only updates the library's atomics (and its
/// histogram's short lock). Endpoints are found by label ("POST /first") without a lock; a
/// new label is added under a mutex. Labels are never removed, so a reference to an
/// endpoint's Counters stays valid for the object's life. Any thread may record; the
/// registry may be collected concurrently.
class RequestMetrics {
public:
    /// Upper bounds of the latency histogram's buckets, in seconds (plus +Inf).
    static constexpr std::array<double, 12> kBucketBounds{0.001, 0.005, 0.01, 0.05, 0.1, 0.25,
                                                          0.5,   1.0,   2.0,  2.5,  5.0, 10.0};

    /// One endpoint's series.
    class Counters {
    public:
        Counters(std::string label, prometheus::Family<prometheus::Counter>& requests,
                 prometheus::Histogram& duration)
            : label_(std::move(label)), requests_(requests), duration_(duration) {}
        const std::string& label() const { return label_; }

    private:
        friend class RequestMetrics;
        /// The counter of requests answered `status` (0-599), found in the family the first time.
        prometheus::Counter& by_status(std::size_t status);

        std::string label_;
        prometheus::Family<prometheus::Counter>& requests_;
        prometheus::Histogram& duration_;
        std::array<std::atomic<prometheus::Counter*>, 600> by_status_{};
    };

    /// On a registry of its own (tests, benchmarks, the fuzzer): collect() shows it.
    RequestMetrics();
    /// On `registry` (the Host's MetricsRegistry's), which must outlive this object.
    explicit RequestMetrics(prometheus::Registry& registry);

    /// The counters for "<method> <path>", e.g. POST /first. Beyond kMaxEndpoints labels,
    /// endpoints share the "other" counters, so a flood of swapped-in paths cannot grow
    /// memory without bound.
    Counters& endpoint(std::string_view method, std::string_view path);

    /// Counters for requests that matched no endpoint (404, 405, malformed requests).
    Counters& unmatched() { return *endpoints_[0]; }

    /// A request started; pair with finished().
    void started() { in_flight_.Increment(); }

    /// A request ended with `status` after `elapsed`.
    void finished(Counters& endpoint, int status, std::chrono::steady_clock::duration elapsed);

    /// The families of the registry this object was made on.
    std::vector<prometheus::MetricFamily> collect() const { return registry_.Collect(); }

    static constexpr std::size_t kMaxEndpoints = 256;

private:
    /// On `shared`, or on a registry of its own if null.
    explicit RequestMetrics(prometheus::Registry* shared);
    Counters* find(std::string_view method, std::string_view path, std::size_t count) const;
    std::unique_ptr<Counters> make_counters(std::string label);

    std::unique_ptr<prometheus::Registry> own_registry_;  ///< only when made without one
    prometheus::Registry& registry_;
    prometheus::Family<prometheus::Counter>& requests_;
    prometheus::Family<prometheus::Histogram>& durations_;
    prometheus::Gauge& in_flight_;
    std::array<std::unique_ptr<Counters>, kMaxEndpoints> endpoints_;
    std::atomic<std::size_t> endpoint_count_{0};
    std::mutex adding_;
};

}  // namespace plugin_host
