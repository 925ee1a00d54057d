// What counting one request costs the request thread: RequestMetrics::started() and
// finished() for a seed request (POST /first, 200, 2 s), on prometheus-cpp's Counter,
// Gauge and Histogram, against the hand-written relaxed atomics the host counted with
// before (HandWrittenCounters below: the same updates, kept here only to be measured).
// One thread, and two threads counting the same endpoint at once (the histogram's lock and
// the atomics' cache line shared between the cores); and GET /metrics rendered after.
#include "metrics/metrics_registry.hpp"
#include "metrics/request_metrics.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace {

using namespace plugin_host;

constexpr auto kSeedElapsed = std::chrono::seconds(2);

/// The host's counters before prometheus-cpp: per endpoint, a relaxed atomic per status,
/// per bucket and for the sum in microseconds, and one for the requests in flight.
class HandWrittenCounters {
public:
    void started() { in_flight_.fetch_add(1, std::memory_order_relaxed); }

    void finished(int status, std::chrono::steady_clock::duration elapsed) {
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        if (status >= 0 && status < static_cast<int>(by_status_.size())) {
            by_status_[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
        }
        const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
        total_micros_.fetch_add(static_cast<std::uint64_t>(micros), std::memory_order_relaxed);
        const double seconds = static_cast<double>(micros) / 1e6;
        std::size_t bucket = 0;
        while (bucket < RequestMetrics::kBucketBounds.size() && seconds > RequestMetrics::kBucketBounds[bucket]) ++bucket;
        buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    }

private:
    std::array<std::atomic<std::uint64_t>, 600> by_status_{};
    std::array<std::atomic<std::uint64_t>, RequestMetrics::kBucketBounds.size() + 1> buckets_{};
    std::atomic<std::uint64_t> total_micros_{0};
    std::atomic<std::int64_t> in_flight_{0};
};

HandWrittenCounters hand_written;  // shared by the threads of a run, as the host's are

void HandWrittenAtomics(benchmark::State& state) {
    for (auto _ : state) {
        hand_written.started();
        hand_written.finished(200, kSeedElapsed);
    }
}

MetricsRegistry registry;
RequestMetrics request_metrics(registry.registry());

void PrometheusCpp(benchmark::State& state) {
    RequestMetrics::Counters& first = request_metrics.endpoint("POST", "/first");  // once per endpoint, as the dispatcher does
    for (auto _ : state) {
        request_metrics.started();
        request_metrics.finished(first, 200, kSeedElapsed);
    }
}

/// GET /metrics with the seed's endpoints counted: what a scrape costs the thread answering it.
void RenderMetricsPage(benchmark::State& state) {
    for (const char* path : {"/first", "/second", "/third"}) {
        request_metrics.started();
        request_metrics.finished(request_metrics.endpoint("POST", path), 200, kSeedElapsed);
    }
    for (auto _ : state) benchmark::DoNotOptimize(registry.render());
}

}  // namespace

BENCHMARK(HandWrittenAtomics)->Threads(1)->Threads(2);
BENCHMARK(PrometheusCpp)->Threads(1)->Threads(2);
BENCHMARK(RenderMetricsPage);
