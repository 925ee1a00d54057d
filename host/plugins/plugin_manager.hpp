#pragma once

#include "config/host_config.hpp"
#include "plugins/plugin_loader.hpp"
#include "routing/router.hpp"

#include <Poco/Logger.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace plugin_host {

/// What /healthz and the admin endpoints show of one plugin.
struct PluginStatus {
    std::string name;
    std::filesystem::path file;
    bool loaded = false;
    std::uint64_t generation = 0;
    std::chrono::system_clock::time_point loaded_at;
    std::vector<std::string> routes;  ///< "POST /first"
};

/// Owns every loaded plugin and publishes their endpoints to the router.
///
/// Unloading rule: the manager holds a reference to every LoadedPlugin it has ever
/// published until no route table, endpoint or request references it any more; only then
/// does the manager drop it, so a plugin is never unloaded on a request thread.
/// Called from the main thread; status() from any thread.
class PluginManager {
public:
    PluginManager(Router& router, plugin_api::Repository& repository, Poco::Logger& logger);

    /// Clears the router, then unloads every plugin. Requests must have finished.
    ~PluginManager();

    PluginManager(const PluginManager&) = delete;
    PluginManager& operator=(const PluginManager&) = delete;

    /// Loads every configured plugin and publishes their endpoints. Throws PluginRefused
    /// (or RouteConflict) for the first plugin that cannot be loaded; nothing is published
    /// then.
    void load_all(const std::vector<PluginConfig>& plugins);

    std::vector<PluginStatus> status() const;

private:
    Router& router_;
    plugin_api::Repository& repository_;
    Poco::Logger& logger_;

    mutable std::mutex mutex_;
    std::vector<PluginConfig> configured_;
    std::map<std::string, PluginLoad, std::less<>> live_;
    std::uint64_t next_generation_ = 1;
};

}  // namespace plugin_host
