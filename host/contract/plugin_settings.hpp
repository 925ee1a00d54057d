#pragma once

#include "config/host_config.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <string>
#include <vector>

namespace plugin_host {

/// A plugin's settings, typed: the keys of its [plugin.<name>] section. Remembers which keys
/// the plugin asked for and each value that was not of the type asked, so that the loader
/// can refuse the plugin, naming the file, line and key, once register_endpoints() has
/// returned. Used on the loading thread during register_endpoints() only.
class PluginSettings final : public plugin_api::Settings {
public:
    explicit PluginSettings(const PluginConfig& config);

    std::string text(std::string_view key, std::string_view fallback) override;
    std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) override;
    bool boolean(std::string_view key, bool fallback) override;
    std::chrono::milliseconds duration(std::string_view key, std::chrono::milliseconds fallback) override;
    std::vector<std::string> list(std::string_view key, std::vector<std::string> fallback) override;

    /// What is wrong with the section, one message each: a value of the wrong type
    /// (`server.ini:42: [plugin.kv] max_keys: "lots" is not a whole number from 1 to
    /// 1000000`), a key the plugin never asked for (`server.ini:43: [plugin.first] rout:
    /// unknown key (first reads: route)`). Empty if nothing is.
    std::vector<std::string> problems() const;

private:
    /// The value of `key`, and remembers that the plugin asked for it; nullptr if unset.
    const std::string* lookup(std::string_view key);
    /// Remembers that `key`'s value is not of the type asked for.
    void wrong(std::string_view key, const std::string& problem);

    const PluginConfig& config_;
    std::vector<std::string> asked_;   ///< keys, in the order first asked
    std::vector<std::string> wrong_;   ///< messages
};

}  // namespace plugin_host
