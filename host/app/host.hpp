#pragma once

#include "config/host_config.hpp"
#include "plugins/plugin_manager.hpp"
#include "routing/request_dispatcher.hpp"
#include "routing/router.hpp"
#include "services/execution_service.hpp"
#include "services/repository_service.hpp"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <cstdint>
#include <memory>

namespace plugin_host {

/// The whole server, built from a HostConfig: the repository and execution services, the
/// plugins and their routes, and Poco's HTTPServer with a thread pool of its own.
/// Constructed, started and stopped by one thread (the application's main thread, or a
/// test); requests run on the pool's threads.
class Host {
public:
    /// Binds the listening socket and loads every plugin. Throws ConfigError-free
    /// exceptions: PluginRefused or RouteConflict for plugins, Poco::Exception for the socket.
    explicit Host(HostConfig config);

    /// Stops the server if it is still running.
    ~Host();

    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    /// Starts accepting connections.
    void start();

    /// Stops accepting, lets requests in flight finish and closes idle keep-alive
    /// connections; returns when every request has been answered.
    void stop();

    /// The port actually bound (useful with port = 0).
    std::uint16_t port() const;

    const PluginManager& plugins() const { return plugins_; }

private:
    HttpResponse health() const;

    HostConfig config_;
    RepositoryService repository_;
    ExecutionService execution_;
    Router router_;
    PluginManager plugins_;
    RequestDispatcher dispatcher_;
    Poco::Net::ServerSocket socket_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace plugin_host
