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

/// GET /healthz: 200 when every configured plugin is loaded, else 503 naming the missing.
HttpResponse health_response(const std::vector<PluginStatus>& plugins);

}  // namespace plugin_host
