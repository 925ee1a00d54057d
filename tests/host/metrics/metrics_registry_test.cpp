// The registry every part reports through, and the text it renders with prometheus-cpp's
// serializer: HELP texts, label values and special values as the exposition format says.
#include "metrics/metrics_registry.hpp"

#include <gtest/gtest.h>

#include "support/promtool.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.hpp"

namespace plugin_host {
namespace {

using prometheus::MetricType;

TEST(MetricsRegistry, RendersItsRegistryThenEveryCollectorInTheOrderAdded) {
    MetricsRegistry registry;
    prometheus::BuildCounter().Name("counted_total").Help("Counted.").Register(registry.registry()).Add({}).Increment(3);
    int calls = 0;
    registry.add([&calls] { return std::vector{single_sample("first", MetricType::Gauge, "First.", ++calls)}; });
    registry.add([] { return std::vector{single_sample("second", MetricType::Counter, "Second.", 2)}; });
    EXPECT_EQ(registry.render(),
              "# HELP counted_total Counted.\n# TYPE counted_total counter\ncounted_total 3\n"
              "# HELP first First.\n# TYPE first gauge\nfirst 1\n"
              "# HELP second Second.\n# TYPE second counter\nsecond 2\n");
    EXPECT_NE(registry.render().find("first 2\n"), std::string::npos);  // collected anew each time
}

TEST(MetricsRegistry, LabelValuesEscapeBackslashQuoteAndLineFeed) {
    prometheus::MetricFamily family = metric_family("demo_total", MetricType::Counter, "Demo.");
    add_sample(family, 3, {{"plugin", "a\"b\\c\nd"}, {"status", "200"}});
    add_sample(family, 0.25, {{"plugin", "plain-name_1.0"}});
    EXPECT_EQ(exposition_text({family}),
              "# HELP demo_total Demo.\n"
              "# TYPE demo_total counter\n"
              "demo_total{plugin=\"a\\\"b\\\\c\\nd\",status=\"200\"} 3\n"
              "demo_total{plugin=\"plain-name_1.0\"} 0.25\n");
}

/// The format (version 0.0.4): a HELP text escapes backslash as \\ and line feed as \n; a
/// value is what Go's strconv.ParseFloat reads, NaN, +Inf and -Inf among them (ParseFloat
/// takes "nan" in any case: prometheus-cpp writes "Nan").
TEST(MetricsRegistry, HelpTextsAreEscapedAndNaNAndInfinitiesWrittenAsTheFormatSays) {
    MetricsRegistry registry;
    auto& gauges = prometheus::BuildGauge()
                       .Name("odd_values")
                       .Help("Paths like C:\\temp\nand \"quotes\".")
                       .Register(registry.registry());
    gauges.Add({{"which", "nan"}}).Set(NAN);
    gauges.Add({{"which", "up"}}).Set(INFINITY);
    gauges.Add({{"which", "down"}}).Set(-INFINITY);
    const std::string text = registry.render();

    EXPECT_NE(text.find("# HELP odd_values Paths like C:\\\\temp\\nand \"quotes\".\n# TYPE odd_values gauge\n"),
              std::string::npos)
        << text;
    const auto value_of = [&text](const std::string& which) {
        const std::string key = "odd_values{which=\"" + which + "\"} ";
        const auto at = text.find(key);
        return at == std::string::npos ? std::string("missing")
                                       : text.substr(at + key.size(), text.find('\n', at) - at - key.size());
    };
    std::string nan = value_of("nan");
    for (char& c : nan) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(nan, "nan") << text;
    EXPECT_EQ(value_of("up"), "+Inf");
    EXPECT_EQ(value_of("down"), "-Inf");

    if (!test_support::promtool_installed()) GTEST_SKIP() << "promtool is not installed";
    EXPECT_EQ(test_support::promtool_refusal(text), std::nullopt);
}

}  // namespace
}  // namespace plugin_host
