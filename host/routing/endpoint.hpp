#pragma once

#include <plugin_api/endpoint_plugin.hpp>

#include <memory>
#include <string>

namespace plugin_host {

class LoadedPlugin;

/// One routed endpoint: a method and path, and the callback a plugin registered for them.
/// Immutable once built; shared between route tables and the requests running in it.
struct Endpoint {
    /// Keeps the plugin's code loaded while anyone holds this endpoint. Declared first so
    /// that it is released last, after the callback whose code lives in the plugin.
    std::shared_ptr<const LoadedPlugin> plugin;
    std::string plugin_name;
    std::string method;
    std::string path;
    plugin_api::EndpointCallback callback;
};

}  // namespace plugin_host
