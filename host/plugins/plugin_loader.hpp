#pragma once

#include "config/host_config.hpp"
#include "plugins/loaded_plugin.hpp"
#include "plugins/plugin_services.hpp"
#include "routing/endpoint.hpp"
#include "routing/filter.hpp"

#include <functional>
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
    std::vector<std::shared_ptr<const Filter>> filters;
    MeterClaim meters;  ///< the metrics it asked for: exposed once placed, released with this
};

/// Loads `image` — a private copy of `config.library` — after checking that it is a complete
/// shared object and, from the file alone before it is mapped (read_plugin_stamp(); mapping
/// runs the plugin's static constructors), its exported contract version (the host's major,
/// a minor no newer than the host's), ABI tag and factory; maps it with every symbol bound
/// now and local scope, creates the plugin and lets it register its routes. Then checks what it registered: each method one
/// a route may serve, each template valid, no two routes the same, none on a host path,
/// every setting of its section read and of the type read; each filter's methods and
/// pattern; each body limit for a route it registers and within the operator's cap. Its
/// hooks go to the LoadedPlugin; nothing of it runs yet. Runs on the calling thread.
/// `mapped`, if given, is called once the library is mapped, before its factory runs (see
/// RegistrationThreads, which takes a reference of its own to the library then).
/// Throws PluginRefused with a reason that names the plugin and its published file; nothing
/// of the plugin stays loaded then (but for a reference `mapped` took).
PluginLoad load_plugin(const PluginConfig& config, const std::filesystem::path& image,
                       std::uint64_t generation, const PluginServices& services,
                       const std::function<void()>& mapped = {});

/// Why a plugin may not register a route with `path`, which claims a path the host serves
/// itself (/healthz, /metrics, /admin and below), in words that follow the route; an empty
/// string if it may.
std::string host_route_conflict(const RouteTemplate& path);

}  // namespace plugin_host
