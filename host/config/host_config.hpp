#pragma once

#include "config/ini_file.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace plugin_host {

// Each member's initializer is the key's default: the one place it is stated. The reader
// falls back to it, config/server.ini shows it, docs/configuration.md lists it, and a test
// checks that those two agree with it.

/// [server]: how the HTTP server listens and how many connections it serves.
struct ServerConfig {
    bool operator==(const ServerConfig&) const = default;

    std::string address = "0.0.0.0";
    std::uint16_t port = 8991;
    int max_connections = 1600;  ///< keep-alive connections served at once
    int max_connections_per_client = 0;  ///< from one client address at once; 0: no limit
    int listen_backlog = 4096;
    int loop_threads = 0;          ///< threads that wait for the connections; 0: one per core
    int max_workers = 1600;        ///< threads that run handlers, at most: requests in a blocking handler at once
    int thread_stack_kib = 256;    ///< each worker's stack
    bool keep_alive = true;
    std::chrono::milliseconds keep_alive_timeout{10000};
    int max_keep_alive_requests = 0;  ///< 0: unlimited
    std::chrono::milliseconds receive_timeout{60000};
    std::size_t max_body_bytes = 65536;
    /// The most a plugin may set a route's own body limit to (Registrar::set_max_body_bytes()).
    std::size_t max_route_body_bytes = 16777216;
    std::chrono::milliseconds header_timeout{10000};  ///< a request header must be complete this long
                                                      ///< after the keep-alive wait
    std::chrono::milliseconds body_timeout{30000};    ///< a body must be complete this long after its header
    std::chrono::milliseconds drain_timeout{30000};   ///< how long stopping waits for requests in flight
    std::chrono::milliseconds deferred_timeout{30000};  ///< how long an answer a handler defers may take

    // What a request's head and a chunked body may hold; beyond it the request is refused
    // (414, 431 or 400) and the connection closed.
    std::size_t max_request_line_bytes = 16384 + 64;  ///< a 16 KiB target with its method and version
    std::size_t max_header_field_bytes = 256 + 8192;  ///< one field line: a 256-byte name, an 8 KiB value
    int max_header_fields = 100;
    std::size_t max_chunk_line_bytes = 4096;          ///< a chunk-size line with its extensions
    std::size_t max_chunk_extensions_bytes = 4096;    ///< every chunk's extensions together
    std::size_t max_trailer_field_bytes = 8192;       ///< one trailer field line
    int max_trailer_fields = 100;
    std::size_t max_trailer_section_bytes = 16384;    ///< every trailer field together
};

/// [plugins]: how plugin files are watched and loaded.
struct PluginsConfig {
    bool operator==(const PluginsConfig&) const = default;
    bool watch = true;                              ///< watch the plugin folders (inotify)
    std::chrono::milliseconds poll_interval{2000};  ///< periodic check; 0: none
    std::chrono::milliseconds settle{300};          ///< a changed file must be quiet this long
    /// Where private copies of plugin files go; empty: the system's temporary folder.
    std::filesystem::path shadow_parent;
    /// The only folders plugin files may be loaded from (after resolving symbolic links);
    /// empty: the folder each configured `library` path names.
    std::vector<std::filesystem::path> folders;
    /// Load plugin files even if they (or a folder above them) are writable by group or
    /// others, or owned by a user other than root and the server's own.
    bool allow_untrusted_files = false;
    /// How long loading one plugin (its library's initialisation, its factory and its
    /// register_endpoints()) may take; past it the plugin is refused and its thread abandoned.
    std::chrono::milliseconds registration_timeout{10000};
    /// /healthz answers 503 while a configured plugin is not loaded; false: 200 while the
    /// host serves, the missing plugins named in the body.
    bool healthz_requires_every_plugin = false;
    /// How long each of a plugin's start, stop, save and restore hooks may run, and how long a
    /// new version waits for the old one's last request before taking its state.
    std::chrono::milliseconds lifecycle_timeout{10000};
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
    bool enabled = true;  ///< serve GET /metrics
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
    /// Its place in [filters] apply: where its filters run; nothing: they do not run.
    std::optional<std::size_t> filter_position;

    /// "<file>:<line>: [plugin.<name>] <key>: " for a message about one of its settings.
    std::string where(std::string_view key) const;
};

/// Everything server.ini says, validated. Read once on the main thread at start-up.
struct HostConfig {
    std::filesystem::path file;
    ServerConfig server;
    std::chrono::milliseconds repository_delay{2000};  ///< [repository] delay_ms: how long every call waits
    PluginsConfig plugin_loading;
    AdminConfig admin;
    MetricsConfig metrics;
    std::vector<PluginConfig> plugins;
    /// [filters] apply: the plugins whose filters run, in the order they run.
    std::vector<std::string> filters;

    /// What a reload to `fresh` cannot apply: the sections, other than the plugins', whose
    /// values differ ("[server]", "[repository]", ...); they take effect at the next start.
    std::vector<std::string> changes_needing_restart(const HostConfig& fresh) const;
};

/// Validates the parsed file, adding to `problems` every value of the wrong type or out of
/// range, missing required key, unknown key or section, each naming the file, line and key.
/// A wrong value reads as its default; a plugin section with a wrong name or library is left
/// out of `plugins`.
HostConfig read_host_config(const IniFile& ini, std::vector<std::string>& problems);

/// read_host_config() that throws a ConfigError listing every problem, if there is one.
HostConfig read_host_config(const IniFile& ini);

/// IniFile::load() followed by read_host_config().
HostConfig load_host_config(const std::filesystem::path& file);

}  // namespace plugin_host
