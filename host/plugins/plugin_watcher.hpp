#pragma once

#include "plugins/plugin_manager.hpp"

#include <Poco/DirectoryWatcher.h>
#include <Poco/Logger.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace plugin_host {

/// Notices changed plugin files and has the PluginManager reload them, and unloads
/// versions that finished draining. Owns one thread of its own (the only thread that
/// unloads plugins while the host runs) and one Poco::DirectoryWatcher per plugin folder,
/// whose events only wake that thread. A slow periodic check catches what inotify does not
/// report (a folder replaced, a file changed through another path).
class PluginWatcher {
public:
    struct Settings {
        bool watch_folders = true;
        std::chrono::milliseconds poll_interval{};  ///< 0: no periodic check
        std::chrono::milliseconds settle{};         ///< a file must be quiet this long
    };

    PluginWatcher(PluginManager& manager, Settings settings, Poco::Logger& logger);

    /// Calls stop().
    ~PluginWatcher();

    PluginWatcher(const PluginWatcher&) = delete;
    PluginWatcher& operator=(const PluginWatcher&) = delete;

    /// Starts watching the manager's plugin folders and the thread.
    void start();

    /// Stops the thread and the directory watchers; nothing is reloaded or unloaded after.
    void stop();

    /// Watches the manager's current plugin folders; call after the configuration changed.
    void refresh_folders();

private:
    void run();
    bool stopping();
    void on_folder_event(const Poco::DirectoryWatcher::DirectoryEvent& event);
    void on_folder_error(const Poco::Exception& error);

    PluginManager& manager_;
    const Settings settings_;
    Poco::Logger& logger_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool folder_event_ = false;

    std::mutex folders_mutex_;
    std::vector<std::unique_ptr<Poco::DirectoryWatcher>> folder_watchers_;
    std::thread thread_;
};

}  // namespace plugin_host
