#pragma once

#include "contract/plugin_logger.hpp"
#include "plugins/plugin_hooks.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <boost/dll/shared_library.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
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

    /// The hooks it registered. Set once by the load, before anything else shares the plugin.
    void set_hooks(PluginHooks hooks) { hooks_ = std::move(hooks); }
    const PluginHooks& hooks() const { return hooks_; }

    /// Keeps the registry of the counters and histograms the plugin is handed alive for as
    /// long as the plugin (whose code, a stop hook past its limit say, may still count after
    /// the Host is gone). Set once by the load, before the plugin registers.
    void keep_meters(std::shared_ptr<const void> meters) { meters_ = std::move(meters); }

    /// The gate in front of its handlers and filters: closed from the load until the version
    /// has received its predecessor's state and started (VersionHandover opens it). Called
    /// on request threads before plugin code runs; returns at once when open, the common case.
    void wait_until_open() const {
        if (open_.load(std::memory_order_acquire)) return;
        std::unique_lock lock(gate_mutex_);
        gate_opened_.wait(lock, [this] { return open_.load(std::memory_order_acquire); });
    }
    void open() const;
    bool is_open() const { return open_.load(std::memory_order_acquire); }

    /// Whether its stop hook has run (or been given up on): it runs once, by the manager.
    bool stop_done() const { return stop_done_; }
    void mark_stop_done() const { stop_done_ = true; }

private:
    std::string name_;
    std::filesystem::path file_;
    std::uint64_t generation_;
    std::chrono::system_clock::time_point loaded_at_;
    mutable PluginLogger logger_;
    std::shared_ptr<const void> meters_;  // declared before library_: freed after the plugin's code
    boost::dll::shared_library library_;  // declared before instance_ and hooks_: unloaded after them
    std::unique_ptr<plugin_api::EndpointPlugin> instance_;
    PluginHooks hooks_;
    mutable std::atomic<bool> open_{false};
    mutable std::mutex gate_mutex_;
    mutable std::condition_variable gate_opened_;
    mutable bool stop_done_ = false;  ///< touched only under the manager's operation mutex
};

}  // namespace plugin_host
