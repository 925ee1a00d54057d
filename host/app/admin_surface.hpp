#pragma once

#include "config/host_config.hpp"
#include "http/http_exchange.hpp"
#include "metrics/metrics_registry.hpp"
#include "plugins/plugin_manager.hpp"
#include "routing/request_dispatcher.hpp"

#include <functional>

namespace plugin_host {

/// The host's own endpoints: registers them with the dispatcher and answers them. GET
/// /healthz always; GET /metrics with [metrics] enabled; GET /admin/plugins and POST
/// /admin/reload with [admin] enabled, from loopback clients only unless allow_remote.
/// The bodies are admin_endpoints'; what they show is the PluginManager's status(), the
/// MetricsRegistry's text and what `reload_config` did. Built by the Host, with the dispatcher,
/// before the server starts; its handlers run on connection threads, concurrently, and it
/// must outlive every request.
class AdminSurface {
public:
    /// Re-reads the configuration and applies it (Host::reload()).
    using Reload = std::function<ReloadReport()>;

    AdminSurface(RequestDispatcher& dispatcher, const PluginManager& manager, const MetricsRegistry& registry,
                 const HostConfig& config, Reload reload_config);

    AdminSurface(const AdminSurface&) = delete;
    AdminSurface& operator=(const AdminSurface&) = delete;

    HttpResponse health() const;
    HttpResponse metrics() const;
    HttpResponse plugins() const;
    HttpResponse reload() const;

private:
    const PluginManager& plugins_;
    const MetricsRegistry& metrics_;
    Reload reload_;
    bool every_plugin_required_;  ///< [plugins] healthz_requires_every_plugin
};

}  // namespace plugin_host
