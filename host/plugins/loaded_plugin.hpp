#pragma once

#include "contract/plugin_logger.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <boost/dll/shared_library.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace plugin_host {

/// A plugin's shared object, loaded, validated, its EndpointPlugin instance, and the logger
/// the plugin was handed (valid for the plugin's life, so owned here).
/// Owned through shared_ptr by the PluginManager and by every Endpoint the plugin
/// registered; the last owner to let go unloads it. The PluginManager makes sure that is
/// itself, on its own thread, never a request thread.
class LoadedPlugin {
public:
    LoadedPlugin(std::string name, std::filesystem::path file, std::uint64_t generation,
                 boost::dll::shared_library library,
                 std::unique_ptr<plugin_api::EndpointPlugin> instance);
    ~LoadedPlugin();

    LoadedPlugin(const LoadedPlugin&) = delete;
    LoadedPlugin& operator=(const LoadedPlugin&) = delete;

    const std::string& name() const { return name_; }
    const std::filesystem::path& file() const { return file_; }
    std::uint64_t generation() const { return generation_; }
    std::chrono::system_clock::time_point loaded_at() const { return loaded_at_; }
    plugin_api::EndpointPlugin& instance() const { return *instance_; }
    PluginLogger& logger() const { return logger_; }

private:
    std::string name_;
    std::filesystem::path file_;
    std::uint64_t generation_;
    std::chrono::system_clock::time_point loaded_at_;
    mutable PluginLogger logger_;
    boost::dll::shared_library library_;  // declared before instance_: unloaded after it
    std::unique_ptr<plugin_api::EndpointPlugin> instance_;
};

}  // namespace plugin_host
