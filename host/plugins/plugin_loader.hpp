#pragma once

#include "config/host_config.hpp"
#include "plugins/loaded_plugin.hpp"
#include "routing/endpoint.hpp"

#include <memory>
#include <stdexcept>
#include <vector>

namespace plugin_host {

/// A plugin that was not loaded; what() says why, in a sentence that names the plugin.
class PluginRefused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A plugin loaded and registered, with the endpoints it registered.
struct PluginLoad {
    std::shared_ptr<LoadedPlugin> plugin;
    std::vector<std::shared_ptr<const Endpoint>> endpoints;
};

/// Loads `image` — a private copy of `config.library` — after checking that it is a complete
/// shared object, with every symbol bound now and local scope; checks the exported contract
/// version and ABI tag, creates the plugin and lets it register its endpoints (each POST
/// path must start with '/', be unique within the plugin and not be a host path). Runs on
/// the calling thread. Throws PluginRefused with a reason that names the plugin and its
/// published file; nothing of the plugin stays loaded then.
PluginLoad load_plugin(const PluginConfig& config, const std::filesystem::path& image,
                       std::uint64_t generation, plugin_api::Repository& repository);

/// Paths the host serves itself (/healthz, /metrics, /admin/...); no plugin may claim them.
bool is_host_path(std::string_view path);

}  // namespace plugin_host
