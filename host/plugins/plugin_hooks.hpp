#pragma once

#include <plugin_api/endpoint_plugin.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace plugin_host {

/// The lifecycle and state hooks a plugin registered (contract 2.1: on_lifecycle(),
/// keep_state()); each may be empty. Plugin code: held by the plugin's LoadedPlugin, so
/// destroyed before its library is unloaded.
struct PluginHooks {
    std::function<void()> start;
    std::function<void()> stop;
    std::function<std::string()> save;
    std::function<void(std::string_view)> restore;

    bool keeps_state() const { return save && restore; }
};

}  // namespace plugin_host
