#include "config/host_config.hpp"

#include "config/folder_check.hpp"
#include "config/section_reader.hpp"

#include <Poco/Ascii.h>

#include <algorithm>
#include <optional>

namespace plugin_host {
namespace {

constexpr std::string_view kPluginSectionPrefix = "plugin.";
constexpr std::string_view kLoggingSectionPrefix = "logging.";

/// Reads the section `name` with `read` (given its SectionReader), then refuses every key of
/// it that `read` did not read.
template <typename Read>
auto read_section(const IniFile& ini, const char* name, std::vector<std::string>& problems, Read read) {
    SectionReader section(ini, name, problems);
    auto config = read(section);
    section.reject_unread_keys();
    return config;
}

ServerConfig read_server(const IniFile& ini, std::vector<std::string>& problems) {
    SectionReader server(ini, "server", problems);
    ServerConfig config;  // the defaults
    config.address = server.listen_address("address", config.address);
    config.port = static_cast<std::uint16_t>(server.integer("port", config.port, 0, 65535));
    config.max_connections = static_cast<int>(server.integer("max_connections", config.max_connections, 1, 100000));
    config.max_connections_per_client = static_cast<int>(
        server.integer("max_connections_per_client", config.max_connections_per_client, 0, 100000));
    server.retired("max_queued",
                   "no longer used: every admitted connection has a thread at once (max_connections); remove the line");
    config.listen_backlog = static_cast<int>(server.integer("listen_backlog", config.listen_backlog, 1, 65535));
    server.retired("prestart_threads",
                   "no longer used: connections wait on loop threads and take a worker only while a handler runs; "
                   "remove the line");
    config.loop_threads = static_cast<int>(server.integer("loop_threads", config.loop_threads, 0, 256));
    config.max_workers = static_cast<int>(server.integer("max_workers", config.max_workers, 1, 100000));
    config.thread_stack_kib = static_cast<int>(server.integer("thread_stack_kib", config.thread_stack_kib, 64, 65536));
    config.keep_alive = server.boolean("keep_alive", config.keep_alive);
    config.keep_alive_timeout = server.milliseconds("keep_alive_timeout_ms", config.keep_alive_timeout, 1, 3600000);
    config.max_keep_alive_requests =
        static_cast<int>(server.integer("max_keep_alive_requests", config.max_keep_alive_requests, 0, 1000000000));
    config.receive_timeout = server.milliseconds("receive_timeout_ms", config.receive_timeout, 1, 3600000);
    config.max_body_bytes =
        static_cast<std::size_t>(server.integer("max_body_bytes", static_cast<long long>(config.max_body_bytes), 1,
                                                1024 * 1024 * 1024));
    config.max_route_body_bytes = static_cast<std::size_t>(server.integer(
        "max_route_body_bytes", static_cast<long long>(config.max_route_body_bytes), 1, 1024 * 1024 * 1024));
    config.header_timeout = server.milliseconds("header_timeout_ms", config.header_timeout, 1, 3600000);
    config.body_timeout = server.milliseconds("body_timeout_ms", config.body_timeout, 1, 3600000);
    config.drain_timeout = server.milliseconds("drain_timeout_ms", config.drain_timeout, 0, 3600000);
    config.deferred_timeout = server.milliseconds("deferred_timeout_ms", config.deferred_timeout, 1, 3600000);
    constexpr long long kMiB = 1024 * 1024;
    const auto bytes = [&server](std::string_view key, std::size_t fallback, long long min, long long max) {
        return static_cast<std::size_t>(server.integer(key, static_cast<long long>(fallback), min, max));
    };
    config.max_request_line_bytes = bytes("max_request_line_bytes", config.max_request_line_bytes, 256, kMiB);
    config.max_header_field_bytes = bytes("max_header_field_bytes", config.max_header_field_bytes, 256, kMiB);
    config.max_header_fields = static_cast<int>(server.integer("max_header_fields", config.max_header_fields, 1, 10000));
    config.max_chunk_line_bytes = bytes("max_chunk_line_bytes", config.max_chunk_line_bytes, 32, kMiB);
    config.max_chunk_extensions_bytes = bytes("max_chunk_extensions_bytes", config.max_chunk_extensions_bytes, 0, kMiB);
    config.max_trailer_field_bytes = bytes("max_trailer_field_bytes", config.max_trailer_field_bytes, 256, kMiB);
    config.max_trailer_fields =
        static_cast<int>(server.integer("max_trailer_fields", config.max_trailer_fields, 0, 10000));
    config.max_trailer_section_bytes = bytes("max_trailer_section_bytes", config.max_trailer_section_bytes, 0, kMiB);
    server.reject_unread_keys();
    return config;
}

std::chrono::milliseconds read_repository_delay(const IniFile& ini, std::vector<std::string>& problems) {
    return read_section(ini, "repository", problems, [](SectionReader& repository) {
        return repository.milliseconds("delay_ms", HostConfig{}.repository_delay, 0, 600000);
    });
}

PluginsConfig read_plugin_loading(const IniFile& ini, std::vector<std::string>& problems) {
    SectionReader plugins(ini, "plugins", problems);
    PluginsConfig config;  // the defaults
    config.watch = plugins.boolean("watch", config.watch);
    config.poll_interval = plugins.milliseconds("poll_interval_ms", config.poll_interval, 0, 3600000);
    config.settle = plugins.milliseconds("settle_ms", config.settle, 0, 60000);
    const std::string system_temp = std::filesystem::temp_directory_path().string();
    std::filesystem::path shadow = plugins.text("shadow_dir", system_temp);
    if (shadow.is_relative()) shadow = std::filesystem::absolute(ini.path()).parent_path() / shadow;
    config.shadow_parent = shadow.lexically_normal();
    if (const std::string problem = why_no_folder_in(config.shadow_parent); !problem.empty()) {
        plugins.problem("shadow_dir", problem + ": private plugin copies cannot be made there");
        config.shadow_parent = system_temp;  // a wrong value reads as its default
    }
    config.folders = plugins.path_list("folders");
    config.allow_untrusted_files = plugins.boolean("allow_untrusted_files", config.allow_untrusted_files);
    config.registration_timeout =
        plugins.milliseconds("registration_timeout_ms", config.registration_timeout, 1, 3600000);
    config.healthz_requires_every_plugin =
        plugins.boolean("healthz_requires_every_plugin", config.healthz_requires_every_plugin);
    config.lifecycle_timeout = plugins.milliseconds("lifecycle_timeout_ms", config.lifecycle_timeout, 1, 3600000);
    plugins.reject_unread_keys();
    return config;
}

AdminConfig read_admin(const IniFile& ini, std::vector<std::string>& problems) {
    return read_section(ini, "admin", problems, [](SectionReader& admin) {
        AdminConfig config;  // the defaults
        config.enabled = admin.boolean("enabled", config.enabled);
        config.allow_remote = admin.boolean("allow_remote", config.allow_remote);
        return config;
    });
}

MetricsConfig read_metrics(const IniFile& ini, std::vector<std::string>& problems) {
    return read_section(ini, "metrics", problems, [](SectionReader& metrics) {
        MetricsConfig config;  // the defaults
        config.enabled = metrics.boolean("enabled", config.enabled);
        return config;
    });
}

/// The plugin `section` describes, or nothing if its name or library is wrong (added to `problems`).
std::optional<PluginConfig> read_plugin(const IniFile& ini, const std::string& section,
                                        std::vector<std::string>& problems) {
    PluginConfig plugin;
    plugin.name = section.substr(kPluginSectionPrefix.size());
    plugin.origin = ini.path().string() + ":" + std::to_string(ini.section_line(section));
    if (plugin.name.empty()) {
        problems.push_back(plugin.origin + ": [" + section + "] needs a name: [plugin.<name>]");
        return std::nullopt;
    }
    const bool plain = std::all_of(plugin.name.begin(), plugin.name.end(), [](char c) {
        return Poco::Ascii::isAlphaNumeric(c) || c == '_' || c == '-' || c == '.';
    });
    if (!plain) {
        // The name appears in file names, log lines, metric labels and JSON: nothing to escape.
        problems.push_back(plugin.origin + ": [" + section +
                           "]: a plugin name may hold only letters, digits, '_', '-' and '.'");
        return std::nullopt;
    }

    const std::size_t problems_before = problems.size();
    SectionReader reader(ini, section, problems);
    std::filesystem::path library = reader.required_text("library");
    if (library.is_relative()) library = std::filesystem::absolute(ini.path()).parent_path() / library;
    plugin.library = library.lexically_normal();
    plugin.optional = reader.boolean("optional", false);
    if (problems.size() != problems_before) return std::nullopt;

    plugin.file = ini.path();
    for (const std::string& key : ini.keys_of(section)) {
        const IniFile::Entry* entry = ini.find(section + "." + key);
        plugin.settings.emplace(key, entry->value);
        plugin.setting_lines.emplace(key, entry->line);
    }
    return plugin;
}

/// [filters] apply: names configured plugins, each once; sets their filter_position.
std::vector<std::string> read_filters(const IniFile& ini, std::vector<PluginConfig>& plugins,
                                      std::vector<std::string>& problems) {
    SectionReader filters(ini, "filters", problems);
    std::vector<std::string> order = filters.list("apply");
    std::vector<std::string> applied;
    for (const std::string& name : order) {
        const auto plugin = std::find_if(plugins.begin(), plugins.end(),
                                         [&name](const PluginConfig& each) { return each.name == name; });
        if (std::find(applied.begin(), applied.end(), name) != applied.end()) {
            filters.problem("apply", "names the plugin '" + name + "' twice");
        } else if (plugin == plugins.end()) {
            filters.problem("apply", "names '" + name + "', which no [plugin." + name + "] section configures");
        } else {
            plugin->filter_position = applied.size();
            applied.push_back(name);
        }
    }
    filters.reject_unread_keys();
    return applied;
}

}  // namespace

std::string PluginConfig::where(std::string_view key) const {
    const auto line = setting_lines.find(key);
    const std::string place = line == setting_lines.end() ? origin : file.string() + ":" + std::to_string(line->second);
    return place + ": [plugin." + name + "] " + std::string(key) + ": ";
}

std::vector<std::string> HostConfig::changes_needing_restart(const HostConfig& fresh) const {
    std::vector<std::string> sections;
    if (fresh.server != server) sections.emplace_back("[server]");
    if (fresh.repository_delay != repository_delay) sections.emplace_back("[repository]");
    if (fresh.plugin_loading != plugin_loading) sections.emplace_back("[plugins]");
    if (fresh.admin != admin) sections.emplace_back("[admin]");
    if (fresh.metrics != metrics) sections.emplace_back("[metrics]");
    return sections;
}

HostConfig read_host_config(const IniFile& ini, std::vector<std::string>& problems) {
    HostConfig config;
    config.file = std::filesystem::absolute(ini.path());
    config.server = read_server(ini, problems);
    config.repository_delay = read_repository_delay(ini, problems);
    config.plugin_loading = read_plugin_loading(ini, problems);
    config.admin = read_admin(ini, problems);
    config.metrics = read_metrics(ini, problems);

    bool any_plugin_section = false;
    for (const IniFile::Section& section : ini.sections()) {
        if (section.name.starts_with(kPluginSectionPrefix)) {
            any_plugin_section = true;
            if (std::optional<PluginConfig> plugin = read_plugin(ini, section.name, problems)) {
                config.plugins.push_back(std::move(*plugin));
            }
        } else if (section.name != "server" && section.name != "repository" && section.name != "plugins" &&
                   section.name != "admin" && section.name != "metrics" &&
                   section.name != "filters" && !section.name.starts_with(kLoggingSectionPrefix)) {
            problems.push_back(ini.path().string() + ":" + std::to_string(section.line) + ": unknown section [" +
                               section.name +
                               "] (known: [server], [repository], [plugins], [admin], [metrics], [filters], [plugin.<name>], "
                               "[logging.*])");
        }
    }
    config.filters = read_filters(ini, config.plugins, problems);
    if (!any_plugin_section) {
        problems.push_back(ini.path().string() +
                           ": no plugins configured: add a [plugin.<name>] section with a library key");
    }
    return config;
}

HostConfig read_host_config(const IniFile& ini) {
    std::vector<std::string> problems;
    HostConfig config = read_host_config(ini, problems);
    if (!problems.empty()) throw ConfigError(std::move(problems));
    return config;
}

HostConfig load_host_config(const std::filesystem::path& file) {
    return read_host_config(IniFile::load(file));
}

}  // namespace plugin_host
