#pragma once

#include "http/http_exchange.hpp"
#include "plugins/plugin_manager.hpp"

#include <vector>

namespace plugin_host {

/// GET /admin/plugins: every plugin, its file, generation, load time, routes, last refusal
/// and the versions still draining.
HttpResponse plugins_response(const std::vector<PluginStatus>& plugins);

/// POST /admin/reload: what the reload did; 200 if everything it tried worked, else 409.
HttpResponse reload_response(const ReloadReport& report);

/// GET /healthz: "ok" when every configured plugin is loaded, else "degraded" naming the
/// missing ones; either way the last refusal of each plugin refused since its version
/// serving was loaded (or that nothing serves), with its reason. 200 while the host serves
/// (a host with a plugin refused still serves every other route); 503 when degraded only
/// with `every_plugin_required` ([plugins] healthz_requires_every_plugin).
HttpResponse health_response(const std::vector<PluginStatus>& plugins, bool every_plugin_required);

}  // namespace plugin_host
