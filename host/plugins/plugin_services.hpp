#pragma once

#include "config/host_config.hpp"
#include "metrics/plugin_meters.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace plugin_host {

/// What the host hands every plugin it loads, the limits it holds their registrations to,
/// and how it runs their hooks. Copied by each load thread (RegistrationThreads), which may outlive the manager: so
/// everything here is shared or a value.
struct PluginServices {
    /// From the repository alone, with the default limits and a registry of plugin metrics
    /// of its own; implicit, from a share of any Repository implementation.
    template <typename AnyRepository>
    PluginServices(std::shared_ptr<AnyRepository> shared_repository)  // NOLINT(google-explicit-constructor)
        : repository(std::move(shared_repository)) {}

    std::shared_ptr<plugin_api::Repository> repository;
    /// Where plugins' counters and histograms live (Registrar::counter(), histogram()): the
    /// Host's, which /metrics shows; shared, as load threads may outlive the manager.
    std::shared_ptr<PluginMeters> meters = std::make_shared<PluginMeters>();
    /// The largest per-route body limit a plugin may set ([server] max_route_body_bytes).
    std::size_t max_route_body_bytes = 16 * 1024 * 1024;
    /// How long each of a plugin's lifecycle and state hooks may run ([plugins] lifecycle_timeout_ms).
    std::chrono::milliseconds lifecycle_timeout{10000};
    /// Run the hooks: false for --check-config, which loads plugins only to check them.
    bool run_hooks = true;
};

/// The services a host configured by `config` hands its plugins, their metrics kept in `meters`.
inline PluginServices plugin_services(const HostConfig& config, std::shared_ptr<plugin_api::Repository> repository,
                                      std::shared_ptr<PluginMeters> meters) {
    PluginServices services(std::move(repository));
    services.meters = std::move(meters);
    services.max_route_body_bytes = config.server.max_route_body_bytes;
    services.lifecycle_timeout = config.plugin_loading.lifecycle_timeout;
    return services;
}

}  // namespace plugin_host
