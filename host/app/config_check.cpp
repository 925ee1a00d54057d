#include "app/config_check.hpp"

#include "plugins/plugin_manager.hpp"
#include "routing/router.hpp"
#include "services/repository_service.hpp"

#include <algorithm>

namespace plugin_host {

PluginCheck check_plugins(const HostConfig& config, std::shared_ptr<RegistrationThreads> registrations) {
    PluginCheck check;
    Poco::Logger& logger = Poco::Logger::get("host.plugins");
    Router router;
    auto repository = std::make_shared<RepositoryService>(config.repository_delay, Poco::Logger::get("host.repository"));
    if (!registrations) registrations = std::make_shared<RegistrationThreads>(config.plugin_loading.registration_timeout);
    // Metrics of their own: plugins loaded only to be checked count nothing anyone reads.
    PluginServices services = plugin_services(config, repository, std::make_shared<PluginMeters>());
    services.run_hooks = false;  // loaded to be checked, never to serve
    std::optional<PluginManager> plugins;
    try {
        plugins.emplace(router, std::move(services), config.plugin_loading.shadow_parent, logger,
                        PluginTrust({config.plugin_loading.folders, config.plugin_loading.allow_untrusted_files}),
                        std::move(registrations));
    } catch (const ConfigError& error) {
        check.problems.push_back(config.file.string() + ": " + error.what());
        return check;
    }

    const ReloadReport report = plugins->apply(config.plugins);
    for (const auto& [name, reason] : report.refused) {
        const auto plugin = std::find_if(config.plugins.begin(), config.plugins.end(),
                                         [&plugin_name = name](const PluginConfig& each) { return each.name == plugin_name; });
        const std::string line = plugin->origin + ": " + reason;
        if (plugin->optional) {
            check.warnings.push_back(line + " (optional: the host starts without it)");
        } else {
            check.problems.push_back(line);
        }
    }
    for (const PluginStatus& status : plugins->status()) {
        check.routes.insert(check.routes.end(), status.routes.begin(), status.routes.end());
    }
    for (const std::string& name : config.filters) {
        for (const PluginStatus& status : plugins->status()) {
            if (status.name != name) continue;
            for (const std::string& filter : status.filters) check.filters.push_back(name + ": " + filter);
        }
    }
    return check;
}

}  // namespace plugin_host
