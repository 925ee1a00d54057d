// Plugins' own metrics through the real host: GET /metrics shows them labelled by plugin,
// promtool accepts the whole page, a hot swap keeps the count going, and versions refused
// after asking for metrics leave no series behind.
#include "app/host.hpp"

#include <gtest/gtest.h>

#include "support/promtool.hpp"

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/log_capture.hpp"
#include "support/plugin_files.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using test_support::eventually;
using test_support::send_request;

/// The lines of `text` (a /metrics page) with the label plugin="<plugin>", but the host's own
/// (plugin_host_...), which name every configured plugin.
std::string plugin_series(const std::string& text, const std::string& plugin) {
    std::istringstream lines(text);
    std::string found;
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("plugin_host_") && line.find("plugin=\"" + plugin + "\"") != std::string::npos) {
            found += line + "\n";
        }
    }
    return found;
}

/// A host serving metered (metered_v1, published in a folder of the test's own and watched),
/// with two optional plugins of the same file that are refused: clash, whose route metered
/// holds (refused once placed, after asking for its metrics), and bad, which asks for a
/// counter named as the host's own (refused as it registers).
class PluginMetricsTest : public ::testing::Test {
protected:
    void SetUp() override {
        test_support::publish_by_rename(test_paths::kMeteredV1Plugin, metered_file_);
        const std::string library = test_paths::kMeteredV1Plugin;
        host_.emplace(test_support::test_server_ini(0) +
                      "[plugins]\nwatch = true\npoll_interval_ms = 1000\nsettle_ms = 100\n" +
                      "[plugin.metered]\nlibrary = " + metered_file_.string() + "\n" +
                      "[plugin.clash]\nlibrary = " + library + "\noptional = true\ncounter = clash_requests_total\n" +
                      "[plugin.bad]\nlibrary = " + library +
                      "\noptional = true\nroute = /bad\ncounter = plugin_host_stolen_total\n");
    }

    /// POST /metered with `body`; counts the answers; returns the version that answered.
    std::string post(const std::string& body = "{}") {
        const test_support::ClientResponse response = send_request(port(), "POST", "/metered", body);
        if (response.status == 200) ++answered_;
        return response.body;
    }

    std::string metrics() { return send_request(port(), "GET", "/metrics").body; }
    double metric(const std::string& sample) { return test_support::metric_value(metrics(), sample); }
    std::uint16_t port() { return host_->port(); }

    test_support::LogCapture log_;
    test_support::TempDir folder_;
    std::filesystem::path metered_file_ = folder_ / "metered.so";
    std::optional<test_support::RunningHost> host_;
    int answered_ = 0;
};

TEST_F(PluginMetricsTest, MetricsShowThePluginsCounterAndHistogramLabelledByPlugin) {
    for (const std::string& body : {std::string(), std::string("12345"), std::string(50, 'x')}) {
        ASSERT_EQ(post(body), R"({"version":"v1"})");
    }
    const std::string text = metrics();
    EXPECT_NE(text.find("# HELP metered_requests_total Requests to the metered plugin.\n"
                        "# TYPE metered_requests_total counter\n"
                        "metered_requests_total{plugin=\"metered\"} 3\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("# HELP metered_body_bytes Bodies the metered plugin took, in bytes.\n"
                        "# TYPE metered_body_bytes histogram\n"
                        "metered_body_bytes_count{plugin=\"metered\"} 3\n"
                        "metered_body_bytes_sum{plugin=\"metered\"} 55\n"
                        "metered_body_bytes_bucket{plugin=\"metered\",le=\"1\"} 1\n"
                        "metered_body_bytes_bucket{plugin=\"metered\",le=\"10\"} 2\n"
                        "metered_body_bytes_bucket{plugin=\"metered\",le=\"100\"} 3\n"
                        "metered_body_bytes_bucket{plugin=\"metered\",le=\"+Inf\"} 3\n"),
              std::string::npos)
        << text;
}

TEST_F(PluginMetricsTest, VersionsRefusedAfterAskingForMetricsLeaveNoSeries) {
    ASSERT_EQ(post(), R"({"version":"v1"})");
    EXPECT_EQ(host_->metric("plugin_host_plugin_refusals_total{plugin=\"clash\"}"), 1);
    EXPECT_EQ(host_->metric("plugin_host_plugin_refusals_total{plugin=\"bad\"}"), 1);
    EXPECT_TRUE(log_.contains_text(
        "plugin 'bad' (" + std::string(test_paths::kMeteredV1Plugin) +
        "): asked for the counter \"plugin_host_stolen_total\": names that start with plugin_host_ are the host's own"));
    const std::string text = metrics();
    EXPECT_EQ(plugin_series(text, "clash"), "");
    EXPECT_EQ(plugin_series(text, "bad"), "");
    EXPECT_NE(plugin_series(text, "metered"), "");
    EXPECT_EQ(text.find("clash_requests_total"), std::string::npos) << text;
    EXPECT_EQ(text.find("plugin_host_stolen_total"), std::string::npos) << text;
}

TEST_F(PluginMetricsTest, TheCountGoesOnAcrossAHotSwap) {
    for (int request = 0; request < 5; ++request) ASSERT_EQ(post("abc"), R"({"version":"v1"})");
    ASSERT_EQ(metric("metered_requests_total{plugin=\"metered\"}"), 5);

    test_support::publish_by_rename(test_paths::kMeteredV2Plugin, metered_file_);
    ASSERT_TRUE(eventually([&] { return post("abc") == R"({"version":"v2"})"; }, 10s));
    ASSERT_EQ(host_->metric("plugin_host_plugin_generation{plugin=\"metered\"}"), 2);
    ASSERT_EQ(post("abc"), R"({"version":"v2"})");

    // Every request answered, by either version, counted once in the same series.
    EXPECT_EQ(metric("metered_requests_total{plugin=\"metered\"}"), answered_);
    EXPECT_EQ(metric("metered_body_bytes_count{plugin=\"metered\"}"), answered_);
    EXPECT_EQ(metric("metered_body_bytes_sum{plugin=\"metered\"}"), 3 * answered_);
    const std::string text = metrics();
    std::size_t families = 0;
    for (auto at = text.find("# TYPE metered_requests_total "); at != std::string::npos;
         at = text.find("# TYPE metered_requests_total ", at + 1)) {
        ++families;
    }
    EXPECT_EQ(families, 1u) << text;
}

TEST_F(PluginMetricsTest, PromtoolAcceptsTheWholePage) {
    if (!test_support::promtool_installed()) GTEST_SKIP() << "promtool is not installed";
    ASSERT_EQ(post("12345"), R"({"version":"v1"})");
    EXPECT_EQ(test_support::promtool_refusal(metrics()), std::nullopt);
}

}  // namespace
}  // namespace plugin_host
