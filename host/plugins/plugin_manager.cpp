#include "plugins/plugin_manager.hpp"

namespace plugin_host {

PluginManager::PluginManager(Router& router, plugin_api::Repository& repository,
                             Poco::Logger& logger)
    : router_(router), repository_(repository), logger_(logger) {}

PluginManager::~PluginManager() {
    router_.publish(std::make_shared<const RouteTable>());
    std::lock_guard lock(mutex_);
    live_.clear();
}

void PluginManager::load_all(const std::vector<PluginConfig>& plugins) {
    std::map<std::string, PluginLoad, std::less<>> loaded;
    std::vector<std::shared_ptr<const Endpoint>> endpoints;
    for (const PluginConfig& config : plugins) {
        PluginLoad load;
        try {
            load = load_plugin(config, next_generation_++, repository_);
        } catch (const PluginRefused& refused) {
            logger_.error(refused.what());
            throw;
        }
        endpoints.insert(endpoints.end(), load.endpoints.begin(), load.endpoints.end());
        logger_.information("Loaded plugin '" + config.name + "' generation " +
                            std::to_string(load.plugin->generation()) + " from " +
                            config.library.string());
        loaded.emplace(config.name, std::move(load));
    }
    std::shared_ptr<const RouteTable> table;
    try {
        table = std::make_shared<const RouteTable>(endpoints);
    } catch (const RouteConflict& conflict) {
        logger_.error(std::string("Plugins refused: ") + conflict.what());
        throw;
    }

    std::lock_guard lock(mutex_);
    configured_ = plugins;
    live_ = std::move(loaded);
    router_.publish(std::move(table));
}

std::vector<PluginStatus> PluginManager::status() const {
    std::lock_guard lock(mutex_);
    std::vector<PluginStatus> statuses;
    for (const PluginConfig& config : configured_) {
        PluginStatus status{config.name, config.library, false, 0, {}, {}};
        if (const auto live = live_.find(config.name); live != live_.end()) {
            status.loaded = true;
            status.generation = live->second.plugin->generation();
            status.loaded_at = live->second.plugin->loaded_at();
            for (const auto& endpoint : live->second.endpoints) {
                status.routes.push_back(endpoint->method + " " + endpoint->path);
            }
        }
        statuses.push_back(std::move(status));
    }
    return statuses;
}

}  // namespace plugin_host
