#pragma once

#include "routing/route_template.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace plugin_host {

class LoadedPlugin;

/// One filter a plugin registered (contract 2.1, Registrar::add_filter()): the methods and
/// path pattern it applies to and its hooks. Immutable once built; shared between route
/// tables and the requests running through it, like Endpoint.
struct Filter {
    /// Keeps the plugin's code loaded while anyone holds this filter; declared first so that
    /// it is released after the hooks.
    std::shared_ptr<const LoadedPlugin> plugin;
    std::string plugin_name;
    std::vector<std::string> methods;  ///< upper case; empty: every method
    RouteTemplate pattern;
    plugin_api::BeforeHook before;
    plugin_api::AfterHook after;
    /// Its plugin said its hooks never wait (Registrar::never_blocks()).
    bool never_blocks = false;

    /// For a request of `method` whose path has the decoded `segments`. HEAD counts as GET.
    bool applies_to(std::string_view method, const std::vector<std::string>& segments) const {
        if (!methods.empty()) {
            const std::string_view as = method == "HEAD" ? std::string_view("GET") : method;
            bool listed = false;
            for (const std::string& each : methods) listed = listed || each == as || each == method;
            if (!listed) return false;
        }
        return pattern.matches_prefix(segments);
    }

    /// "filter <methods> <pattern>": how logs and /admin/plugins name it.
    std::string label() const {
        std::string text = "filter ";
        if (methods.empty()) text += "*";
        for (const std::string& each : methods) text += (&each == &methods.front() ? "" : ",") + each;
        return text + " " + pattern.text();
    }
};

}  // namespace plugin_host
