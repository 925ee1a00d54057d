#pragma once

#include "routing/route_template.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace plugin_host {

class LoadedPlugin;

/// One routed endpoint: a method and a path template, and the handler a plugin registered
/// for them. Immutable once built; shared between route tables and the requests running in
/// it.
struct Endpoint {
    /// Keeps the plugin's code loaded while anyone holds this endpoint. Declared first so
    /// that it is released last, after the handler whose code lives in the plugin.
    std::shared_ptr<const LoadedPlugin> plugin;
    std::string plugin_name;
    std::string method;
    RouteTemplate path;
    plugin_api::Handler handler;
    /// The largest body it takes (Registrar::set_max_body_bytes()); 0: [server] max_body_bytes.
    std::size_t max_body_bytes = 0;
    /// Its plugin said its handlers never wait (Registrar::never_blocks()): it may run on a
    /// loop thread.
    bool never_blocks = false;

    /// "<method> <template>": how logs, /admin/plugins and the metrics name it.
    std::string label() const { return method + " " + path.text(); }
};

}  // namespace plugin_host
