#include "plugins/plugin_metrics.hpp"

#include "metrics/metrics_registry.hpp"

#include <gtest/gtest.h>

#include "services/repository_service.hpp"
#include "support/plugin_files.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

namespace plugin_host {
namespace {

using namespace std::chrono_literals;

std::string metrics_of(const std::vector<PluginStatus>& plugins) {
    return exposition_text(plugin_metric_families(plugins));
}

void expect_lines(const std::string& text, std::initializer_list<std::string> lines) {
    for (const std::string& line : lines) EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
}

TEST(PluginMetrics, WritesGenerationsDrainingLoadsAndRefusalsByPlugin) {
    PluginStatus serving;
    serving.name = "first";
    serving.loaded = true;
    serving.generation = 3;
    serving.loads = 3;
    serving.refusals = 1;
    serving.draining.push_back({2, {}});
    PluginStatus removed;  // from the configuration, still draining
    removed.name = "old";
    removed.configured = false;
    removed.draining.push_back({1, {}});
    const std::string text = metrics_of({serving, removed});

    expect_lines(text, {"# TYPE plugin_host_plugin_generation gauge", "plugin_host_plugin_generation{plugin=\"first\"} 3",
                        "plugin_host_plugin_versions_draining{plugin=\"first\"} 1",
                        "plugin_host_plugin_versions_draining{plugin=\"old\"} 1",
                        "# TYPE plugin_host_plugin_loads_total counter", "plugin_host_plugin_loads_total{plugin=\"first\"} 3",
                        "# TYPE plugin_host_plugin_refusals_total counter",
                        "plugin_host_plugin_refusals_total{plugin=\"first\"} 1"});
    // A plugin no longer configured only drains: no generation, loads or refusals of its own.
    EXPECT_EQ(text.find("plugin_generation{plugin=\"old\"}"), std::string::npos) << text;
    EXPECT_EQ(text.find("loads_total{plugin=\"old\"}"), std::string::npos) << text;
}

TEST(PluginMetrics, TheManagerCountsEveryLoadAndEveryRefusal) {
    const test_support::TempDir shadow;
    const test_support::TempDir published;
    Router router;
    const auto repository = std::make_shared<RepositoryService>(0ms, Poco::Logger::get("host.repository"));
    PluginManager manager{router, repository, shadow.path(), Poco::Logger::get("host.plugins")};
    const auto file = published / "swap.so";
    const auto reload_changed = [&manager] {
        std::optional<std::chrono::system_clock::time_point> recheck_at;
        return manager.reload_changed_files(0ms, "test", recheck_at);
    };

    test_support::publish_by_rename(test_paths::kSwapV1Plugin, file);
    manager.load_all({test_support::plugin_config("first", test_paths::kFirstPlugin),
                      test_support::plugin_config("swap", file)});
    test_support::publish_by_rename(test_paths::kContractV99Plugin, file);
    ASSERT_EQ(reload_changed().refused.size(), 1u);
    test_support::publish_by_rename(test_paths::kSwapV2Plugin, file);
    ASSERT_EQ(reload_changed().loaded, std::vector<std::string>{"swap"});

    expect_lines(metrics_of(manager.status()), {"plugin_host_plugin_loads_total{plugin=\"first\"} 1",
                                                "plugin_host_plugin_loads_total{plugin=\"swap\"} 2",
                                                "plugin_host_plugin_refusals_total{plugin=\"first\"} 0",
                                                "plugin_host_plugin_refusals_total{plugin=\"swap\"} 1"});
}

}  // namespace
}  // namespace plugin_host
