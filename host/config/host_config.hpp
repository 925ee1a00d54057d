#pragma once

#include "config/ini_file.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace plugin_host {

/// [server]: how the HTTP server listens and how many connections it serves.
struct ServerConfig {
    bool operator==(const ServerConfig&) const = default;

    std::string address;
    std::uint16_t port = 0;
    int max_connections = 0;  ///< pool threads = keep-alive connections served at once
    int listen_backlog = 0;
    bool prestart_threads = false;
    int thread_stack_kib = 0;
    bool keep_alive = false;
    std::chrono::milliseconds keep_alive_timeout{};
    int max_keep_alive_requests = 0;  ///< 0: unlimited
    std::chrono::milliseconds receive_timeout{};
    std::size_t max_body_bytes = 0;
    std::chrono::milliseconds header_timeout{};  ///< a request header must be complete this long
                                                 ///< after the keep-alive wait
    std::chrono::milliseconds body_timeout{};    ///< a body must be complete this long after its header
    std::chrono::milliseconds drain_timeout{};   ///< how long stopping waits for requests in flight
};

/// [plugins]: how plugin files are watched and loaded.
struct PluginsConfig {
    bool operator==(const PluginsConfig&) const = default;
    bool watch = false;                         ///< watch the plugin folders (inotify)
    std::chrono::milliseconds poll_interval{};  ///< periodic check; 0: none
    std::chrono::milliseconds settle{};         ///< a changed file must be quiet this long
    std::filesystem::path shadow_parent;        ///< where private copies of plugin files go
    /// The only folders plugin files may be loaded from (after resolving symbolic links);
    /// empty: the folder each configured `library` path names.
    std::vector<std::filesystem::path> folders;
    /// Load plugin files even if they (or a folder above them) are writable by group or
    /// others, or owned by a user other than root and the server's own.
    bool allow_untrusted_files = false;
};

/// [admin]: the administration endpoints (/admin/plugins, /admin/reload).
struct AdminConfig {
    bool operator==(const AdminConfig&) const = default;
    bool enabled = false;
    bool allow_remote = false;  ///< false: loopback clients only
};

/// [metrics]: the Prometheus endpoint.
struct MetricsConfig {
    bool operator==(const MetricsConfig&) const = default;
    bool enabled = false;  ///< serve GET /metrics
};

/// [plugin.<name>]: one endpoint plugin.
struct PluginConfig {
    std::string name;
    std::filesystem::path library;  ///< absolute, resolved against the config file's folder
    /// Every key of the section and its value: the plugin's settings (library and optional
    /// are the host's).
    std::map<std::string, std::string, std::less<>> settings;
    /// The line of each key in `file`, for messages; not part of what a reload compares.
    std::map<std::string, int, std::less<>> setting_lines;
    std::filesystem::path file;  ///< the configuration file, as named when it was read
    std::string origin;  ///< "<file>:<line>" of the section, for messages
    bool optional = false;  ///< if it cannot be loaded at start-up, the host starts without it

    /// "<file>:<line>: [plugin.<name>] <key>: " for a message about one of its settings.
    std::string where(std::string_view key) const;
};

/// Everything server.ini says, validated. Read once on the main thread at start-up.
struct HostConfig {
    std::filesystem::path file;
    ServerConfig server;
    std::chrono::milliseconds repository_delay{};
    PluginsConfig plugin_loading;
    AdminConfig admin;
    MetricsConfig metrics;
    std::vector<PluginConfig> plugins;
};

/// Validates the parsed file. Throws ConfigError naming the file, line and key of the first
/// problem: a value of the wrong type or out of range, a missing required key, an unknown
/// key or section.
HostConfig read_host_config(const IniFile& ini);

/// IniFile::load() followed by read_host_config().
HostConfig load_host_config(const std::filesystem::path& file);

}  // namespace plugin_host
