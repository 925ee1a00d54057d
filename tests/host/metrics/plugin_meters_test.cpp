// The registry of plugins' own metrics: one series per plugin and name, kept across
// versions, conflicts refused, refused versions' series hidden; and the checks the
// Registrar makes before asking it.
#include "metrics/plugin_meters.hpp"

#include "metrics/metrics_registry.hpp"

#include <gtest/gtest.h>

#include "support/test_host.hpp"

#include <array>
#include <cmath>
#include <thread>

namespace plugin_host {
namespace {

std::string written(const PluginMeters& meters) { return exposition_text(meters.collect()); }

TEST(PluginMeters, TheSameNameGivesTheSameCounterAndTheCountGoesOnInTheNextVersion) {
    auto meters = std::make_shared<PluginMeters>();
    plugin_api::Counter* first = nullptr;
    {
        MeterClaim version_1(meters, "kv");
        first = version_1.grant(MeterKind::counter, "kv_puts_total", "Values stored.", {}).counter;
        ASSERT_NE(first, nullptr);
        EXPECT_EQ(version_1.grant(MeterKind::counter, "kv_puts_total", "Values stored.", {}).counter, first);
        version_1.expose();
        first->add(2);
        first->increment();
    }  // version 1 replaced: its claim ends, its counter stays
    MeterClaim version_2(meters, "kv");
    plugin_api::Counter* second = version_2.grant(MeterKind::counter, "kv_puts_total", "Values stored.", {}).counter;
    EXPECT_EQ(second, first);
    second->increment();
    EXPECT_EQ(written(*meters),
              "# HELP kv_puts_total Values stored.\n"
              "# TYPE kv_puts_total counter\n"
              "kv_puts_total{plugin=\"kv\"} 4\n");
}

TEST(PluginMeters, EachPluginHasItsOwnSeriesOfAFamily) {
    auto meters = std::make_shared<PluginMeters>();
    MeterClaim a(meters, "a");
    MeterClaim b(meters, "b");
    plugin_api::Counter* of_b = b.grant(MeterKind::counter, "jobs_total", "Jobs done.", {}).counter;
    plugin_api::Counter* of_a = a.grant(MeterKind::counter, "jobs_total", "Another help.", {}).counter;
    ASSERT_NE(of_a, of_b);
    a.expose();
    b.expose();
    of_a->add(1.5);
    of_b->add(7);
    EXPECT_EQ(written(*meters),
              "# HELP jobs_total Jobs done.\n"  // the help it was first asked for
              "# TYPE jobs_total counter\n"
              "jobs_total{plugin=\"a\"} 1.5\n"
              "jobs_total{plugin=\"b\"} 7\n");
}

TEST(PluginMeters, WritesAHistogramsBucketsSumAndCountWithEscapedHelp) {
    auto meters = std::make_shared<PluginMeters>();
    MeterClaim claim(meters, "kv");
    plugin_api::Histogram* sizes =
        claim.grant(MeterKind::histogram, "kv_value_bytes", "Sizes\\lengths\nin bytes.", {10, 100.5}).histogram;
    ASSERT_NE(sizes, nullptr);
    claim.expose();
    for (const double value : {-3.0, 10.0, 10.25, 100.5, 1000.0}) sizes->observe(value);
    sizes->observe(NAN);       // ignored
    sizes->observe(INFINITY);  // ignored
    EXPECT_EQ(written(*meters),
              "# HELP kv_value_bytes Sizes\\\\lengths\\nin bytes.\n"
              "# TYPE kv_value_bytes histogram\n"
              "kv_value_bytes_count{plugin=\"kv\"} 5\n"
              "kv_value_bytes_sum{plugin=\"kv\"} 1117.75\n"
              "kv_value_bytes_bucket{plugin=\"kv\",le=\"10\"} 2\n"
              "kv_value_bytes_bucket{plugin=\"kv\",le=\"100.5\"} 4\n"
              "kv_value_bytes_bucket{plugin=\"kv\",le=\"+Inf\"} 5\n");
}

TEST(PluginMeters, ACounterIgnoresWhatWouldSpoilIt) {
    PluginCounter counter;
    for (const double amount : {-1.0, 0.0, double(NAN), double(INFINITY), 2.5}) counter.add(amount);
    EXPECT_EQ(counter.value(), 2.5);
}

TEST(PluginMeters, AnotherKindOtherBoundsOrMixingSamplesIsRefusedNamingTheHolder) {
    auto meters = std::make_shared<PluginMeters>();
    MeterClaim kv(meters, "kv");
    ASSERT_NE(kv.grant(MeterKind::histogram, "latency_seconds", "Latency.", {0.1, 1}).series, nullptr);
    ASSERT_NE(kv.grant(MeterKind::counter, "puts_total", "Puts.", {}).series, nullptr);
    ASSERT_NE(kv.grant(MeterKind::counter, "reads_count", "Reads.", {}).series, nullptr);
    kv.expose();

    MeterClaim other(meters, "other");
    EXPECT_EQ(other.grant(MeterKind::counter, "latency_seconds", "", {}).problem,
              "it is a histogram with the bounds [0.1, 1] (plugin 'kv') already");
    EXPECT_EQ(other.grant(MeterKind::histogram, "latency_seconds", "", {0.1, 2}).problem,
              "it is a histogram with the bounds [0.1, 1] (plugin 'kv') already");
    EXPECT_EQ(other.grant(MeterKind::histogram, "puts_total", "", {1}).problem,
              "it is a counter (plugin 'kv') already");
    EXPECT_EQ(other.grant(MeterKind::counter, "latency_seconds_count", "", {}).problem,
              "its samples would mix with those of latency_seconds, a histogram with the bounds [0.1, 1] (plugin 'kv')");
    EXPECT_EQ(other.grant(MeterKind::histogram, "reads", "", {1}).problem,
              "its reads_count samples would mix with reads_count, a counter (plugin 'kv')");
    EXPECT_NE(other.grant(MeterKind::histogram, "latency_seconds", "", {0.1, 1}).histogram, nullptr);
}

TEST(PluginMeters, ARefusedVersionsSeriesStayHiddenAndItsDefinitionLapses) {
    auto meters = std::make_shared<PluginMeters>();
    {
        MeterClaim refused(meters, "kv");
        refused.grant(MeterKind::counter, "kv_puts_total", "Puts.", {}).counter->increment();
        MeterClaim meanwhile(meters, "other");  // while the refused version loads, its definition holds
        EXPECT_FALSE(meanwhile.grant(MeterKind::histogram, "kv_puts_total", "", {1}).problem.empty());
    }  // never exposed, now released
    EXPECT_EQ(written(*meters), "");

    MeterClaim fixed(meters, "kv");
    plugin_api::Histogram* now = fixed.grant(MeterKind::histogram, "kv_puts_total", "Puts.", {1}).histogram;
    ASSERT_NE(now, nullptr);
    fixed.expose();
    now->observe(0.5);
    EXPECT_NE(written(*meters).find("kv_puts_total_count{plugin=\"kv\"} 1\n"), std::string::npos);
}

TEST(PluginMeters, ManyThreadsAddingGiveTheExactTotal) {
    auto meters = std::make_shared<PluginMeters>();
    MeterClaim claim(meters, "kv");
    plugin_api::Counter& counter = *claim.grant(MeterKind::counter, "hits_total", "Hits.", {}).counter;
    plugin_api::Histogram& histogram = *claim.grant(MeterKind::histogram, "sizes", "Sizes.", {1, 2}).histogram;
    claim.expose();
    constexpr int kThreads = 8, kEach = 50000;
    {
        std::vector<std::jthread> threads;
        for (int thread = 0; thread < kThreads; ++thread) {
            threads.emplace_back([&, thread] {
                for (int at = 0; at < kEach; ++at) {
                    counter.add(0.5);
                    counter.increment();
                    histogram.observe(static_cast<double>((thread + at) % 3));  // whole numbers: an exact sum
                }
                (void)meters->collect();  // collecting meanwhile takes nothing from the counts
            });
        }
    }
    std::array<double, 3> seen{};  // how often each of 0, 1, 2 was observed
    for (int thread = 0; thread < kThreads; ++thread) {
        for (int at = 0; at < kEach; ++at) ++seen[static_cast<std::size_t>((thread + at) % 3)];
    }
    const std::string text = written(*meters);
    EXPECT_EQ(test_support::metric_value(text, "hits_total{plugin=\"kv\"}"), 1.5 * kThreads * kEach);
    EXPECT_EQ(test_support::metric_value(text, "sizes_bucket{plugin=\"kv\",le=\"1\"}"), seen[0] + seen[1]);
    EXPECT_EQ(test_support::metric_value(text, "sizes_bucket{plugin=\"kv\",le=\"2\"}"), kThreads * kEach);
    EXPECT_EQ(test_support::metric_value(text, "sizes_count{plugin=\"kv\"}"), kThreads * kEach);
    EXPECT_EQ(test_support::metric_value(text, "sizes_sum{plugin=\"kv\"}"), seen[1] + 2 * seen[2]);
}

TEST(MeterDefinition, NamesHelpAndBoundsAreChecked) {
    const auto problem = [](std::string_view name, std::string_view help = "Help.", std::vector<double> bounds = {}) {
        return meter_definition_problem(bounds.empty() ? MeterKind::counter : MeterKind::histogram, name, help, bounds);
    };
    EXPECT_EQ(problem("kv_puts_total"), "");
    EXPECT_EQ(problem(":rule:level_1"), "");
    EXPECT_EQ(problem("requests", "Two\nlines\twith a tab, UTF-8: é."), "");
    EXPECT_EQ(problem(""), "a metric needs a name");
    for (const char* bad : {"1st", "kv-puts", "kv puts", "kv.puts", "métrique"}) {
        EXPECT_EQ(problem(bad), "a metric's name is letters, digits, '_' and ':', not starting with a digit") << bad;
    }
    EXPECT_EQ(problem("plugin_host_requests_total"), "names that start with plugin_host_ are the host's own");
    EXPECT_EQ(problem("a", "bad\rline"), "its help text holds a control character (only line feeds and tabs may be in it)");
    EXPECT_EQ(problem("a", std::string_view("nul\0", 4)),
              "its help text holds a control character (only line feeds and tabs may be in it)");
    EXPECT_EQ(problem("a", "\xff"), "its help text is not UTF-8");
    EXPECT_EQ(problem("a", "", {1, 1}), "a histogram's bounds are ascending, each larger than the one before");
    EXPECT_EQ(problem("a", "", {2, 1}), "a histogram's bounds are ascending, each larger than the one before");
    EXPECT_EQ(problem("a", "", {1, INFINITY}), "a histogram's bounds are finite (the host adds +Inf)");
    EXPECT_EQ(problem("a", "", {0.3, 0.1 + 0.2}),  // 0.3 and 0.30000000000000004: both le="0.3"
              "two of a histogram's bounds differ only past their 16th digit, so /metrics would show them alike");
    EXPECT_EQ(problem("a", "", {1.0000001, 1.0000002}), "");
    EXPECT_EQ(problem("a", "", {NAN}), "a histogram's bounds are finite (the host adds +Inf)");
    EXPECT_EQ(meter_definition_problem(MeterKind::histogram, "a", "", {}), "");  // +Inf alone: a count and a sum
}

}  // namespace
}  // namespace plugin_host
