#include "metrics/request_metrics.hpp"

#include "metrics/metrics_registry.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace plugin_host {
namespace {

std::string render(const RequestMetrics& metrics) { return exposition_text(metrics.collect()); }

using std::chrono::milliseconds;

TEST(RequestMetrics, CountsRequestsByEndpointAndStatus) {
    RequestMetrics metrics;
    RequestMetrics::Counters& first = metrics.endpoint("POST", "/first");
    EXPECT_EQ(&metrics.endpoint("POST", "/first"), &first);
    EXPECT_NE(&metrics.endpoint("GET", "/first"), &first);
    for (int i = 0; i < 3; ++i) {
        metrics.started();
        metrics.finished(first, 200, milliseconds(2000));
    }
    metrics.started();
    metrics.finished(first, 422, milliseconds(1));
    metrics.started();
    metrics.finished(metrics.unmatched(), 404, milliseconds(0));

    const std::string text = render(metrics);
    EXPECT_NE(text.find("plugin_host_requests_total{endpoint=\"POST /first\",status=\"200\"} 3\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("plugin_host_requests_total{endpoint=\"POST /first\",status=\"422\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("plugin_host_requests_total{endpoint=\"unmatched\",status=\"404\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("plugin_host_requests_in_flight 0\n"), std::string::npos);
}

TEST(RequestMetrics, HistogramBucketsAreCumulative) {
    RequestMetrics metrics;
    RequestMetrics::Counters& first = metrics.endpoint("POST", "/first");
    metrics.started();
    metrics.finished(first, 200, milliseconds(3));     // ≤ 0.005
    metrics.started();
    metrics.finished(first, 200, milliseconds(2001));  // ≤ 2.5
    metrics.started();
    metrics.finished(first, 200, milliseconds(60000));  // +Inf only

    const std::string text = render(metrics);
    const auto bucket = [&text](const std::string& le) {
        const std::string key = "plugin_host_request_duration_seconds_bucket{endpoint=\"POST /first\",le=\"" + le + "\"} ";
        const auto at = text.find(key);
        return at == std::string::npos ? std::string("missing") : text.substr(at + key.size(), text.find('\n', at) - at - key.size());
    };
    EXPECT_EQ(bucket("0.001"), "0");
    EXPECT_EQ(bucket("0.005"), "1");
    EXPECT_EQ(bucket("2"), "1");
    EXPECT_EQ(bucket("2.5"), "2");
    EXPECT_EQ(bucket("10"), "2");
    EXPECT_EQ(bucket("+Inf"), "3");
    EXPECT_NE(text.find("plugin_host_request_duration_seconds_count{endpoint=\"POST /first\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("plugin_host_request_duration_seconds_sum{endpoint=\"POST /first\"} 62.004\n"),
              std::string::npos)
        << text;
}

TEST(RequestMetrics, InFlightFollowsStartedAndFinished) {
    RequestMetrics metrics;
    metrics.started();
    metrics.started();
    EXPECT_NE(render(metrics).find("plugin_host_requests_in_flight 2\n"), std::string::npos);
    metrics.finished(metrics.unmatched(), 200, milliseconds(1));
    EXPECT_NE(render(metrics).find("plugin_host_requests_in_flight 1\n"), std::string::npos);
}

TEST(RequestMetrics, EndpointCountIsBoundedAndExtraPathsShareOther) {
    RequestMetrics metrics;
    for (std::size_t i = 0; i < RequestMetrics::kMaxEndpoints + 50; ++i) {
        metrics.endpoint("POST", "/p" + std::to_string(i));
    }
    EXPECT_EQ(metrics.endpoint("POST", "/one-more").label(), "other");
    EXPECT_EQ(metrics.endpoint("POST", "/p0").label(), "POST /p0");
}

TEST(RequestMetrics, ConcurrentRecordingLosesNoCount) {
    RequestMetrics metrics;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&metrics, t] {
            RequestMetrics::Counters& endpoint = metrics.endpoint("POST", "/p" + std::to_string(t % 2));
            for (int i = 0; i < 10000; ++i) {
                metrics.started();
                metrics.finished(endpoint, 200, milliseconds(1));
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    const std::string text = render(metrics);
    EXPECT_NE(text.find("{endpoint=\"POST /p0\",status=\"200\"} 20000\n"), std::string::npos) << text;
    EXPECT_NE(text.find("{endpoint=\"POST /p1\",status=\"200\"} 20000\n"), std::string::npos);
}

TEST(RequestMetrics, LabelValuesAreEscaped) {
    RequestMetrics metrics;
    metrics.started();
    metrics.finished(metrics.endpoint("POST", "/a\"b\\c"), 200, milliseconds(1));
    EXPECT_NE(render(metrics).find("endpoint=\"POST /a\\\"b\\\\c\""), std::string::npos);
}

}  // namespace
}  // namespace plugin_host
