#pragma once

#include "config/host_config.hpp"
#include "plugins/registration_threads.hpp"

#include <memory>

#include <string>
#include <vector>

namespace plugin_host {

/// What loading a configuration's plugins found.
struct PluginCheck {
    std::vector<std::string> problems;  ///< a plugin that start-up would refuse, each with its section's file:line
    std::vector<std::string> warnings;  ///< an optional plugin that cannot be loaded: the host starts without it
    std::vector<std::string> filters;   ///< "cors: filter * /{rest...}", of the filters that run, in their order
    std::vector<std::string> routes;    ///< "POST /first", of every plugin that loaded, in configuration order
};

/// `plugin-host --check-config`: loads every plugin of `config` the way a reload does, by
/// the same code (PluginManager::apply() on a manager of its own: the trust rules, a private
/// copy, the ELF and contract checks, its settings, registration within [plugins]
/// registration_timeout_ms, the whole route table built at once) without listening and
/// without touching a running host. Called on the main thread; the plugins are unloaded and
/// their private copies removed before it returns (a load abandoned past its time limit
/// stays, as RegistrationThreads says). Plugin code runs: their constructors and
/// register_endpoints(), never a handler. `registrations`, if given, runs the loads (so
/// that a stop signal can abandon them).
PluginCheck check_plugins(const HostConfig& config, std::shared_ptr<RegistrationThreads> registrations = {});

}  // namespace plugin_host
