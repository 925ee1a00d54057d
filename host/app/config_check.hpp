#pragma once

#include "config/host_config.hpp"

#include <string>
#include <vector>

namespace plugin_host {

/// What loading a configuration's plugins found.
struct PluginCheck {
    std::vector<std::string> problems;  ///< a plugin that start-up would refuse, each with its section's file:line
    std::vector<std::string> warnings;  ///< an optional plugin that cannot be loaded: the host starts without it
    std::vector<std::string> routes;    ///< "POST /first", of every plugin that loaded, in configuration order
};

/// `plugin-host --check-config`: loads every plugin of `config` the way a reload does (the
/// trust rules, a private copy, the ELF and contract checks, its settings, registration into
/// a route table of its own) without listening and without touching a running host. Runs on
/// the caller's thread; the plugins are unloaded and their private copies removed before it
/// returns. Plugin code runs: their constructors and register_endpoints(), never a handler.
PluginCheck check_plugins(const HostConfig& config);

}  // namespace plugin_host
