#include "app/host.hpp"

#include "plugins/plugin_metrics.hpp"

// Builds every part of the host from its configuration, and runs its lifecycle: start,
// reload and stop.

namespace plugin_host {

Host::Host(HostConfig config, std::shared_ptr<RegistrationThreads> registrations)
    : config_(std::move(config)),
      repository_(std::make_shared<RepositoryService>(config_.repository_delay, Poco::Logger::get("host.repository"))),
      plugin_meters_(std::make_shared<PluginMeters>()),
      execution_(Poco::Logger::get("host.execution")),
      plugins_(router_, plugin_services(config_, repository_, plugin_meters_), config_.plugin_loading.shadow_parent, Poco::Logger::get("host.plugins"),
               PluginTrust({config_.plugin_loading.folders, config_.plugin_loading.allow_untrusted_files}),
               registrations ? std::move(registrations)
                             : std::make_shared<RegistrationThreads>(config_.plugin_loading.registration_timeout)),
      watcher_(plugins_,
               {config_.plugin_loading.watch, config_.plugin_loading.poll_interval, config_.plugin_loading.settle},
               Poco::Logger::get("host.plugins")),
      metrics_(metrics_registry_.registry()),
      dispatcher_(router_, execution_, metrics_),
      admin_(dispatcher_, plugins_, metrics_registry_, config_, [this] { return reload(); }),
      server_(config_.server, dispatcher_, metrics_, Poco::Logger::get("host")) {
    metrics_registry_.add([this] { return server_.connection_metrics(); });
    metrics_registry_.add([this] { return plugin_metric_families(plugins_.status()); });
    metrics_registry_.add([this] { return plugin_meters_->collect(); });
    plugins_.load_all(config_.plugins);
}

Host::~Host() {
    if (!stop()) release_server();  // waits for handlers still inside plugin code
}

ReloadReport Host::reload() {
    std::lock_guard lock(reload_mutex_);
    Poco::Logger& logger = Poco::Logger::get("host");
    HostConfig fresh;
    try {
        fresh = load_host_config(config_.file);
    } catch (const ConfigError& error) {
        logger.error(std::string("Reload refused, the configuration stays as it was: ") + error.what());
        ReloadReport report;
        report.config_error = error.what();
        return report;
    }
    if (const std::vector<std::string> later = config_.changes_needing_restart(fresh); !later.empty()) {
        std::string sections;
        for (const std::string& section : later) sections += (sections.empty() ? "" : ", ") + section;
        logger.warning("Changes to " + sections + " take effect at the next start");
    }
    ReloadReport report = plugins_.apply(fresh.plugins);
    watcher_.refresh_folders();
    config_.plugins = std::move(fresh.plugins);
    logger.information("Reloaded " + config_.file.string() + ": " + std::to_string(report.loaded.size()) +
                       " loaded, " + std::to_string(report.removed.size()) + " removed, " +
                       std::to_string(report.unchanged.size()) + " unchanged, " +
                       std::to_string(report.refused.size()) + " refused");
    return report;
}

void Host::start() {
    watcher_.start();
    server_.start();
}

bool Host::stop() {
    plugins_.abandon_loads("the host is stopping");
    if (!server_.serving()) return true;  // not started, or stopped
    if (!draining_) {
        draining_ = true;
        watcher_.stop();
        server_.drain();
    }
    if (server_.waits_for_a_handler()) return false;
    release_server();
    return true;
}

void Host::release_server() {
    server_.release();
    repository_->stop_timer();  // what plugins left in it goes while their code is loaded
}

std::uint16_t Host::port() const { return server_.port(); }

std::string Host::metrics_text() const { return metrics_registry_.render(); }

}  // namespace plugin_host
