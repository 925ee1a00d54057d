#pragma once

#include "config/host_config.hpp"
#include "plugins/plugin_file.hpp"
#include "plugins/plugin_loader.hpp"
#include "plugins/plugin_slot.hpp"
#include "plugins/plugin_trust.hpp"
#include "plugins/registration_threads.hpp"
#include "plugins/shadow_folder.hpp"
#include "plugins/version_handover.hpp"
#include "plugins/version_loader.hpp"
#include "routing/router.hpp"

#include <Poco/Logger.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace plugin_host {

/// An older version of a plugin that requests may still be running in.
struct DrainingVersion {
    std::uint64_t generation = 0;
    std::chrono::system_clock::time_point loaded_at;
};

/// What /healthz and /admin/plugins show of one plugin.
struct PluginStatus {
    std::string name;
    std::filesystem::path file;
    bool configured = true;  ///< false: removed from the configuration, still draining
    bool loaded = false;
    std::uint64_t generation = 0;
    std::chrono::system_clock::time_point loaded_at;
    std::vector<std::string> routes;  ///< "POST /first"
    std::vector<std::string> filters;  ///< "filter GET,POST /kv/{rest...}"
    std::optional<Refusal> last_refusal;
    std::uint64_t loads = 0;     ///< versions loaded while configured: at start-up and by every swap
    std::uint64_t refusals = 0;  ///< load attempts refused while configured
    std::vector<DrainingVersion> draining;
};

/// What one reload did.
struct ReloadReport {
    std::vector<std::string> loaded;     ///< added, or replaced by a new generation
    std::vector<std::string> removed;    ///< no longer configured
    std::vector<std::string> unchanged;
    std::vector<std::pair<std::string, std::string>> refused;  ///< plugin, reason
    std::string config_error;            ///< server.ini could not be read (nothing changed)

    bool ok() const { return refused.empty() && config_error.empty(); }
};

/// Owns every loaded plugin, replaces plugins whose files change, and publishes their
/// endpoints to the router.
///
/// Loading: the host never maps a published plugin file. Each load first asks PluginTrust
/// whether the file may be loaded at all, then copies it to a private, uniquely named image
/// in the shadow folder, and has RegistrationThreads load and register it on a thread of
/// its own, within [plugins] registration_timeout_ms. Every change (start-up, a reload of
/// the configuration, changed files) loads all the versions it brings first, then builds
/// the whole next route table from every plugin (place_routes()) and publishes it at once;
/// any failure leaves the version serving in place. --check-config is such a change from an
/// empty manager, so what it accepts a reload applies.
///
/// Unloading: a replaced or removed version moves to the draining list. The manager keeps
/// one reference to it; route tables, endpoints and requests hold the others. Only
/// unload_drained(), called by the PluginWatcher's thread, drops the manager's reference,
/// once it is the last — so a plugin is never unloaded on a request thread, and never while
/// a request runs its code. An abandoned load is never unloaded (RegistrationThreads).
///
/// Hooks (contract 2.1): once a change is published, each new version gets its
/// predecessor's state if both keep state, then starts, and only then takes requests
/// (VersionHandover; requests that reach it before wait at its gate). A version that
/// serves no more is stopped before it is unloaded, or when the manager goes.
///
/// State: one PluginSlot per configured plugin (what serves it, its loads and refusals),
/// which records and logs what each change did to it; status() reports them all.
///
/// Thread safety: every operation is serialised by one mutex; status() may be called from
/// any thread at any time and does not wait for a load in progress (a plugin being added
/// appears once its change is applied); abandon_loads() may be called from any thread, and
/// makes a change in progress finish at once.
class PluginManager {
public:
    /// Creates a private shadow folder inside `shadow_parent`. Throws ConfigError if the
    /// folder cannot be created or is not private (see PluginTrust::check_private_folder).
    /// `services` are handed to every plugin; a copy goes to each load thread.
    /// Without `registrations`, loads get RegistrationThreads of their own with a 10 s limit.
    PluginManager(Router& router, PluginServices services,
                  const std::filesystem::path& shadow_parent, Poco::Logger& logger, PluginTrust trust = {},
                  std::shared_ptr<RegistrationThreads> registrations = {});

    /// Clears the router, unloads every plugin and then removes the shadow folder. Requests
    /// must have finished.
    ~PluginManager();

    PluginManager(const PluginManager&) = delete;
    PluginManager& operator=(const PluginManager&) = delete;

    /// Start-up: loads every configured plugin and publishes their endpoints. Throws
    /// PluginRefused for the first plugin that cannot be loaded, unless it is optional: then
    /// it is logged, left unloaded (status() and /healthz report it missing) and loaded once
    /// its file changes.
    void load_all(const std::vector<PluginConfig>& plugins);

    /// A re-read configuration: unloads plugins no longer listed, loads new ones, reloads
    /// those whose section changed, and reloads changed files of the others.
    ReloadReport apply(const std::vector<PluginConfig>& plugins);

    /// Reloads the plugins whose files changed and have been quiet for `settle`; a file
    /// refused once is not tried again until it changes. `recheck_at` is set to when a
    /// still-settling file should be looked at again. `trigger` names what noticed the
    /// change, for the log.
    ReloadReport reload_changed_files(std::chrono::milliseconds settle, std::string_view trigger,
                                      std::optional<std::chrono::system_clock::time_point>& recheck_at);

    /// Unloads every draining version that nothing uses any more; returns how many remain.
    std::size_t unload_drained();

    /// What each plugin's slot holds now, in configuration order, then the plugins no longer
    /// configured that still drain. What /healthz, /admin/plugins and /metrics make of it is
    /// theirs (admin_endpoints, plugin_metric_families()).
    std::vector<PluginStatus> status() const;

    /// The folders holding the configured plugin files.
    std::vector<std::filesystem::path> plugin_folders() const;

    /// Where the private images are (one per loaded version, unlinked once mapped).
    const std::filesystem::path& shadow_folder() const { return shadow_folder_.path(); }

    /// Removes the shadow folder now, for a process that exits without destroying the
    /// manager; the plugins loaded stay mapped. Nothing may be loaded afterwards.
    void discard_private_copies() const { shadow_folder_.discard(); }

    /// A stop: gives up on every load in progress (a change in progress applies what it has
    /// at once) and refuses every later one, saying `reason`. Any thread.
    void abandon_loads(const std::string& reason) { registrations_->abandon_all(reason); }

private:
    /// A step for `config`, with what serves it now.
    ChangeStep step_for(const PluginConfig& config, bool try_load, bool force) const;
    /// Loads what `steps` bring (VersionLoader), builds the whole next route table
    /// (place_routes()), publishes it and updates the slots; `removed` plugins drain.
    /// Caller holds operation_mutex_.
    ReloadReport change(std::vector<ChangeStep>& steps, const std::vector<std::string>& removed,
                        std::string_view trigger);
    /// Applies a finished change to the slots (PluginSlot::take(), under state_mutex_).
    void commit(std::vector<ChangeStep>& steps, const std::vector<std::string>& removed,
                const std::vector<bool>& retired);
    const PluginSlot* find_slot(std::string_view name) const;

    Router& router_;
    PluginServices services_;
    Poco::Logger& logger_;
    const PluginTrust trust_;
    std::shared_ptr<RegistrationThreads> registrations_;
    ShadowFolder shadow_folder_;  ///< declared before the plugins: removed after they unload
    VersionLoader versions_;
    VersionHandover handover_;

    std::mutex operation_mutex_;        ///< one load, swap or unload at a time
    mutable std::mutex state_mutex_;    ///< guards slots_ and draining_ for status()
    std::map<std::string, PluginSlot, std::less<>> slots_;
    std::vector<std::string> order_;    ///< plugin names in configuration order
    std::vector<std::shared_ptr<LoadedPlugin>> draining_;
    /// Versions whose hook overran its time limit: never unloaded (under operation_mutex_).
    VersionHandover::Kept kept_for_good_;
};

}  // namespace plugin_host
