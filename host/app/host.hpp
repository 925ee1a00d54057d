#pragma once

#include "app/admin_surface.hpp"
#include "config/host_config.hpp"
#include "app/http_server.hpp"
#include "plugins/plugin_manager.hpp"
#include "plugins/plugin_watcher.hpp"
#include "metrics/metrics_registry.hpp"
#include "metrics/plugin_meters.hpp"
#include "metrics/request_metrics.hpp"
#include "routing/request_dispatcher.hpp"
#include "routing/router.hpp"
#include "services/execution_service.hpp"
#include "services/repository_service.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace plugin_host {

/// The composition root: builds every part of the server from a HostConfig and owns it (the
/// repository and execution services, the plugins, their routes and the watcher that swaps
/// them, the metrics, the host's own endpoints (AdminSurface) and the HttpServer), and runs
/// its lifecycle: start, reload, stop. Constructed, started and stopped by one thread (the
/// application's main thread, or a test); reload() may be called from any thread.
class Host {
public:
    /// Binds the listening socket and loads every plugin, each within [plugins]
    /// registration_timeout_ms. Throws PluginRefused for a plugin that cannot be loaded,
    /// Poco::Exception if the socket cannot be bound. `registrations`, if given, runs the
    /// plugin loads (the application's, so that a stop signal can abandon them while the host
    /// is still being built); else the host makes its own.
    explicit Host(HostConfig config, std::shared_ptr<RegistrationThreads> registrations = {});

    /// Stops the server if it is still running; waits for every handler still running, even
    /// one that stop() gave up on.
    ~Host();

    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    /// Starts watching the plugin files, then the server (HttpServer::start()). Throws
    /// Poco::Exception or std::system_error if a thread the host needs cannot be started.
    void start();

    /// Abandons any plugin load in progress (see PluginManager::abandon_loads()), stops
    /// watching and accepting (the listening socket closes: new clients are refused),
    /// closes idle keep-alive connections and lets the requests in flight finish, each
    /// answered with `Connection: close` (HttpServer::drain()). Returns true when every
    /// connection is finished; false if a handler is still running on a worker (inside a
    /// plugin's callback): destroying the Host then waits for it.
    bool stop();

    /// Re-reads the configuration file and applies its plugin sections (SIGHUP,
    /// POST /admin/reload): plugins added, removed or changed, and changed plugin files.
    /// Other sections take effect at the next start; a change to them is logged.
    ReloadReport reload();

    /// The port actually bound (useful with port = 0).
    std::uint16_t port() const;

    const PluginManager& plugins() const { return plugins_; }
    PluginManager& plugins() { return plugins_; }

    /// The configuration file reload() reads.
    const std::filesystem::path& config_file() const { return config_.file; }

    /// Everything GET /metrics shows, in Prometheus text format.
    std::string metrics_text() const;

private:
    /// The server's threads, then the repository's timer, while the plugins are still loaded.
    void release_server();

    HostConfig config_;
    std::mutex reload_mutex_;
    std::shared_ptr<RepositoryService> repository_;  ///< shared with plugin load threads
    std::shared_ptr<PluginMeters> plugin_meters_;    ///< plugins' own metrics; shared with load threads
    ExecutionService execution_;
    Router router_;
    PluginManager plugins_;
    PluginWatcher watcher_;
    MetricsRegistry metrics_registry_;  ///< what GET /metrics shows
    RequestMetrics metrics_;            ///< on metrics_registry_'s registry
    RequestDispatcher dispatcher_;
    AdminSurface admin_;  ///< /healthz, /metrics, /admin/*: registered with dispatcher_
    HttpServer server_;  ///< binds on construction; released before everything above
    bool draining_ = false;
};

}  // namespace plugin_host
