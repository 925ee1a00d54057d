#pragma once

#include "config/host_config.hpp"
#include "plugins/plugin_file.hpp"
#include "plugins/plugin_loader.hpp"
#include "plugins/plugin_trust.hpp"
#include "plugins/registration_threads.hpp"
#include "plugins/shadow_folder.hpp"

#include <Poco/Logger.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace plugin_host {

/// What a change did with one plugin.
enum class ChangeOutcome {
    kept,       ///< not looked at: it keeps what it serves
    loaded,     ///< a new version serves
    unchanged,  ///< its file is the version serving
    refused,    ///< the new version was refused; `refusal` says why
};

/// One configured plugin in a change (start-up, a reload, changed files), in configuration
/// order: what it is to become, what serves it now, and what loading the new version gave.
struct ChangeStep {
    ChangeStep(PluginConfig section, bool load, bool load_even_if_serving)
        : config(std::move(section)), try_load(load), force(load_even_if_serving) {}

    PluginConfig config;  ///< its section after the change
    bool try_load = false;  ///< look at its file; false: it keeps what it serves
    bool force = false;     ///< load even the file of the version serving (its section changed)
    // The version serving now, if `serving`:
    bool serving = false;
    FileSignature serving_signature;
    std::uint64_t serving_fingerprint = 0;
    std::uint64_t generation = 1;  ///< the new version's

    ChangeOutcome outcome = ChangeOutcome::kept;
    PluginImage image;
    bool same_content = false;  ///< a new file with the content serving: its signature is the new one
    std::optional<PluginLoad> incoming;  ///< the new version, loaded, not yet placed
    std::string refusal;
    bool record_refusal = true;  ///< false: nothing wrong with the file (caught mid-copy, no thread)
    std::optional<FileSignature> refused_signature;
    std::string no_thread;  ///< why no thread could be made to load it, if none could

    // Between VersionLoader's steps:
    bool ready = false;  ///< its image is copied: a load is to start
    std::shared_ptr<RegistrationThreads::Pending> pending;
};

/// Brings in the new versions a change asks for: checks each file (PluginTrust), copies it
/// to a private image in the shadow folder, and loads every image at once, each on a thread
/// of RegistrationThreads within its time limit; images are removed once mapped (or not to
/// be). Leaves each step loaded (`incoming`), unchanged or refused; places nothing. Used
/// by the PluginManager under its operation mutex, on the thread of the change.
class VersionLoader {
public:
    VersionLoader(const PluginTrust& trust, ShadowFolder& shadow_folder, RegistrationThreads& registrations,
                  PluginServices services, Poco::Logger& logger);

    void load(std::vector<ChangeStep>& steps);

private:
    /// Checks `step`'s file and copies it (ready), or decides it is unchanged or refused.
    void prepare(ChangeStep& step, std::vector<std::filesystem::path>& images);
    /// Starts the loads of the ready steps and waits for them all. Out of threads, it waits
    /// for those started before starting the next.
    void start_loads(std::vector<ChangeStep>& steps);
    /// Waits for every load started and takes its result.
    void finish_loads(std::vector<ChangeStep>& steps);

    const PluginTrust& trust_;
    ShadowFolder& shadow_folder_;
    RegistrationThreads& registrations_;
    PluginServices services_;
    Poco::Logger& logger_;
};

}  // namespace plugin_host
