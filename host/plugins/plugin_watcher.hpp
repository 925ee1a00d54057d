#pragma once

#include "plugins/plugin_manager.hpp"

#include <Poco/Logger.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace plugin_host {

/// Notices changed plugin files and has the PluginManager reload them, and unloads
/// versions that finished draining. Owns one thread of its own (the only thread that
/// unloads plugins while the host runs), one inotify descriptor watching every plugin
/// folder, and one eventfd that wakes the thread. The thread waits on both with poll(2),
/// which works for any descriptor number (select(2), which Poco's DirectoryWatcher uses,
/// aborts the process for a descriptor past 1023, and a host serving a thousand
/// connections holds more). Reloads change the watched folders on the same descriptor: no
/// descriptor or thread is made per reload. A slow periodic check catches what inotify
/// does not report (a folder replaced, a file changed through another path) and watches
/// again a folder whose watch was lost.
class PluginWatcher {
public:
    struct Settings {
        bool watch_folders = true;
        std::chrono::milliseconds poll_interval{};  ///< 0: no periodic check
        std::chrono::milliseconds settle{};         ///< a file must be quiet this long
    };

    /// Creates the inotify descriptor (if watching) and the eventfd; throws
    /// std::system_error if it cannot.
    PluginWatcher(PluginManager& manager, Settings settings, Poco::Logger& logger);

    /// Calls stop(), closes the descriptors.
    ~PluginWatcher();

    PluginWatcher(const PluginWatcher&) = delete;
    PluginWatcher& operator=(const PluginWatcher&) = delete;

    /// Watches the manager's plugin folders and starts the thread.
    void start();

    /// Stops the thread; nothing is reloaded or unloaded after.
    void stop();

    /// Watches the manager's current plugin folders; call after the configuration changed.
    /// Any thread.
    void refresh_folders();

private:
    void run();
    /// Reads every pending inotify event; true if any concerns a watched folder's entries.
    bool read_folder_events();
    void wake() const;

    PluginManager& manager_;
    const Settings settings_;
    Poco::Logger& logger_;
    int inotify_ = -1;  ///< -1 when not watching
    int wake_fd_ = -1;

    std::mutex folders_mutex_;  ///< guards watched_ and unwatchable_
    std::map<int, std::filesystem::path> watched_;  ///< inotify watch → folder
    std::set<std::filesystem::path> unwatchable_;  ///< folders already reported as such

    std::thread thread_;
};

}  // namespace plugin_host
