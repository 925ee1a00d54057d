#pragma once

#include "config/host_config.hpp"
#include "contract/plugin_settings.hpp"
#include "metrics/plugin_meters.hpp"
#include "plugins/plugin_hooks.hpp"
#include "plugins/plugin_services.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace plugin_host {

/// A route as the plugin registered it, not yet checked.
struct RegisteredRoute {
    std::string method;
    std::string path_template;
    plugin_api::Handler handler;
};

/// A filter as the plugin registered it, not yet checked.
struct RegisteredFilter {
    std::string methods;
    std::string pattern;
    plugin_api::BeforeHook before;
    plugin_api::AfterHook after;
};

/// A route's own body limit, as the plugin asked for it.
struct RegisteredBodyLimit {
    std::string method;
    std::string path_template;
    std::uint64_t bytes = 0;
};

/// The Registrar a plugin sees during register_endpoints(), on its load thread: collects
/// what it registers (routes, filters, hooks, body limits) for load_plugin() to check, and
/// hands it its settings, its logger, the repository and its metrics. Lives for that call.
class PluginRegistrar final : public plugin_api::Registrar {
public:
    PluginRegistrar(const PluginConfig& config, plugin_api::Logger& logger, const PluginServices& services);

    void add_route(std::string_view method, std::string_view path_template, plugin_api::Handler handler) override;
    plugin_api::Settings& settings() override { return settings_; }
    plugin_api::Logger& logger() override { return logger_; }
    plugin_api::Repository& repository() override { return *services_.repository; }
    std::string_view plugin_name() const override { return config_.name; }

    void add_filter(std::string_view methods, std::string_view path_pattern, plugin_api::BeforeHook before,
                    plugin_api::AfterHook after) override;
    void on_lifecycle(std::function<void()> start, std::function<void()> stop) override;
    void keep_state(std::function<std::string()> save, std::function<void(std::string_view)> restore) override;
    plugin_api::Counter& counter(std::string_view name, std::string_view help) override;
    plugin_api::Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds) override;
    void set_max_body_bytes(std::string_view method, std::string_view path_template, std::uint64_t bytes) override;
    void never_blocks() override { never_blocks_ = true; }
    /// Whether the plugin said that its handlers and hooks never wait.
    bool says_never_blocks() const { return never_blocks_; }

    std::vector<RegisteredRoute>& routes() { return routes_; }
    std::vector<RegisteredFilter>& filters() { return filters_; }
    const std::vector<RegisteredBodyLimit>& body_limits() const { return body_limits_; }
    PluginHooks take_hooks() { return std::move(hooks_); }
    /// The metrics series it asked for, to be shown once the version is placed.
    MeterClaim take_meters() { return std::move(meters_); }

    /// What the plugin did wrong besides its routes and filters: settings not read or of the
    /// wrong type, a hook registered twice, a metric asked for badly. Empty if nothing.
    std::vector<std::string> problems() const;

private:
    const PluginConfig& config_;
    PluginSettings settings_;
    plugin_api::Logger& logger_;
    const PluginServices& services_;
    std::vector<RegisteredRoute> routes_;
    std::vector<RegisteredFilter> filters_;
    std::vector<RegisteredBodyLimit> body_limits_;
    PluginHooks hooks_;
    MeterClaim meters_;
    bool lifecycle_registered_ = false;
    bool never_blocks_ = false;
    bool state_registered_ = false;
    std::vector<std::string> problems_;
};

}  // namespace plugin_host
