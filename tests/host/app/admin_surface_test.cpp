// AdminSurface: which of the host's own endpoints exist for a configuration, who may call
// them, and what each one reads.
#include "app/admin_surface.hpp"

#include "services/repository_service.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <Poco/Logger.h>

#include <memory>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;

class AdminSurfaceTest : public ::testing::Test {
protected:
    void build(const HostConfig& config) {
        surface_ = std::make_unique<AdminSurface>(dispatcher_, plugins_, registry_, config, [this] {
            ++reloads_;
            return ReloadReport{};
        });
    }

    HttpResponse dispatch(const std::string& method, const std::string& path, bool from_loopback = true) {
        HttpRequest request;
        request.head.setMethod(method);
        request.path = path;
        request.from_loopback = from_loopback;
        return dispatcher_.dispatch(request);
    }

    test_support::TempDir shadow_;
    Router router_;
    std::shared_ptr<RepositoryService> repository_ =
        std::make_shared<RepositoryService>(0ms, Poco::Logger::get("host.repository"));
    PluginManager plugins_{router_, repository_, shadow_.path(), Poco::Logger::get("host.plugins")};
    ExecutionService execution_{Poco::Logger::get("test.execution")};
    MetricsRegistry registry_;
    RequestMetrics metrics_{registry_.registry()};
    RequestDispatcher dispatcher_{router_, execution_, metrics_};
    int reloads_ = 0;
    std::unique_ptr<AdminSurface> surface_;
};

TEST_F(AdminSurfaceTest, ByDefaultServesHealthAndMetricsButNoAdministration) {
    registry_.add([] {
        return std::vector{single_sample("plugin_host_test_figure", prometheus::MetricType::Gauge, "A figure.", 7)};
    });
    build(HostConfig{});
    const HttpResponse health = dispatch("GET", "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, R"({"status":"ok","plugins":[]})");
    const HttpResponse metrics = dispatch("GET", "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4");
    EXPECT_NE(metrics.body.find("\nplugin_host_test_figure 7\n"), std::string::npos) << metrics.body;
    EXPECT_EQ(dispatch("GET", "/admin/plugins").status, 404);
    EXPECT_EQ(dispatch("POST", "/admin/reload").status, 404);
    EXPECT_EQ(reloads_, 0);
}

TEST_F(AdminSurfaceTest, WithoutMetricsThereIsNoMetricsEndpoint) {
    HostConfig config;
    config.metrics.enabled = false;
    build(config);
    EXPECT_EQ(dispatch("GET", "/metrics").status, 404);
    EXPECT_EQ(dispatch("GET", "/healthz").status, 200);
}

TEST_F(AdminSurfaceTest, AdministrationAnswersLoopbackClientsOnly) {
    HostConfig config;
    config.admin.enabled = true;
    build(config);
    const HttpResponse plugins = dispatch("GET", "/admin/plugins");
    EXPECT_EQ(plugins.status, 200);
    EXPECT_EQ(plugins.body, R"({"plugins":[]})");
    EXPECT_EQ(dispatch("POST", "/admin/reload").status, 200);
    EXPECT_EQ(reloads_, 1);
    EXPECT_EQ(dispatch("GET", "/admin/plugins", false).status, 403);
    EXPECT_EQ(dispatch("POST", "/admin/reload", false).status, 403);
    EXPECT_EQ(reloads_, 1);
    EXPECT_EQ(dispatch("GET", "/healthz", false).status, 200);
}

TEST_F(AdminSurfaceTest, AllowRemoteOpensAdministrationToEveryClient) {
    HostConfig config;
    config.admin.enabled = true;
    config.admin.allow_remote = true;
    build(config);
    EXPECT_EQ(dispatch("GET", "/admin/plugins", false).status, 200);
    EXPECT_EQ(dispatch("POST", "/admin/reload", false).status, 200);
    EXPECT_EQ(reloads_, 1);
}

}  // namespace
}  // namespace plugin_host
