// The exposition writer and the registry that every part reports through.
#include "metrics/metrics_registry.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace plugin_host {
namespace {

TEST(PrometheusText, WritesFamiliesAndSamplesWithEscapedLabels) {
    PrometheusText out;
    out.family("demo_total", "counter", "Demo counter.");
    out.sample("demo_total", {{"plugin", "a\"b\\c\nd"}, {"status", "200"}}, 3);
    out.sample("demo_total", 0.25);
    out.sample("demo_bucket", {{"le", "+Inf"}}, INFINITY);
    out.single("demo_gauge", "gauge", "Demo gauge.", 1600);
    EXPECT_EQ(out.take(),
              "# HELP demo_total Demo counter.\n"
              "# TYPE demo_total counter\n"
              "demo_total{plugin=\"a\\\"b\\\\c\\nd\",status=\"200\"} 3\n"
              "demo_total 0.25\n"
              "demo_bucket{le=\"+Inf\"} +Inf\n"
              "# HELP demo_gauge Demo gauge.\n"
              "# TYPE demo_gauge gauge\n"
              "demo_gauge 1600\n");
}

TEST(PrometheusText, EscapesBackslashAndLineFeedInHelpText) {
    PrometheusText out;
    out.family("demo_total", "counter", "Paths like C:\\temp\nand \"quotes\".");
    EXPECT_EQ(out.take(),
              "# HELP demo_total Paths like C:\\\\temp\\nand \"quotes\".\n"
              "# TYPE demo_total counter\n");
}

TEST(PrometheusText, WritesEachBoundAsTheShortestTextThatReadsBackTheSame) {
    EXPECT_EQ(prometheus_bound(0.5), "0.5");
    EXPECT_EQ(prometheus_bound(10), "10");
    EXPECT_EQ(prometheus_bound(INFINITY), "+Inf");
    EXPECT_EQ(prometheus_bound(0.1234567), "0.1234567");  // %g would write 0.123457
    EXPECT_NE(prometheus_bound(1.0000001), prometheus_bound(1.0000002));
}

TEST(MetricsRegistry, RendersEveryCollectorInTheOrderAdded) {
    MetricsRegistry registry;
    int calls = 0;
    registry.add([&calls](PrometheusText& out) { out.single("first", "gauge", "First.", ++calls); });
    registry.add([](PrometheusText& out) { out.single("second", "gauge", "Second.", 2); });
    EXPECT_EQ(registry.render(),
              "# HELP first First.\n# TYPE first gauge\nfirst 1\n# HELP second Second.\n# TYPE second gauge\nsecond 2\n");
    EXPECT_NE(registry.render().find("first 2\n"), std::string::npos);  // collected anew each time
}

}  // namespace
}  // namespace plugin_host
