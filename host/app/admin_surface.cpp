#include "app/admin_surface.hpp"

#include "app/admin_endpoints.hpp"

// Which of the host's own endpoints exist, who may call them, and what each one reads.

namespace plugin_host {

AdminSurface::AdminSurface(RequestDispatcher& dispatcher, const PluginManager& manager,
                           const MetricsRegistry& registry, const HostConfig& config, Reload reload_config)
    : plugins_(manager),
      metrics_(registry),
      reload_(std::move(reload_config)),
      every_plugin_required_(config.plugin_loading.healthz_requires_every_plugin) {
    // Health and metrics never wait (the manager's state lock is held only to copy or
    // commit): answered on the loop thread, even while every worker is busy.
    using Runs = RequestDispatcher::Runs;
    using Access = RequestDispatcher::Access;
    dispatcher.add_host_endpoint("GET", "/healthz", [this](const HttpRequest&) { return health(); }, Access::anyone,
                                 Runs::on_loop);
    if (config.admin.enabled) {
        const auto access = config.admin.allow_remote ? RequestDispatcher::Access::anyone
                                                      : RequestDispatcher::Access::loopback_only;
        dispatcher.add_host_endpoint("GET", "/admin/plugins", [this](const HttpRequest&) { return plugins(); }, access);
        dispatcher.add_host_endpoint("POST", "/admin/reload", [this](const HttpRequest&) { return reload(); }, access);
    }
    if (config.metrics.enabled) {
        dispatcher.add_host_endpoint("GET", "/metrics", [this](const HttpRequest&) { return metrics(); },
                                     Access::anyone, Runs::on_loop);
    }
}

HttpResponse AdminSurface::health() const { return health_response(plugins_.status(), every_plugin_required_); }

HttpResponse AdminSurface::metrics() const {
    HttpResponse response = json_response(200, metrics_.render());
    response.content_type = "text/plain; version=0.0.4";
    return response;
}

HttpResponse AdminSurface::plugins() const { return plugins_response(plugins_.status()); }

HttpResponse AdminSurface::reload() const { return reload_response(reload_()); }

}  // namespace plugin_host
