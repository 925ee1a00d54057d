#pragma once

#include "config/host_config.hpp"
#include "plugins/loaded_plugin.hpp"
#include "plugins/plugin_file.hpp"
#include "plugins/version_loader.hpp"
#include "routing/endpoint.hpp"
#include "routing/filter.hpp"

#include <Poco/Logger.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plugin_host {

/// Why the last attempt to load a plugin's file failed.
struct Refusal {
    std::chrono::system_clock::time_point at;
    std::string reason;
};

/// The PluginManager's record of one configured plugin: its section, the version serving it
/// and what that version registered, and the history of its loads and refusals. A finished
/// change is written into it step by step (take()) and then logged from it (log_outcome()).
/// Not thread-safe: the manager guards every slot with its own mutexes.
struct PluginSlot {
    PluginConfig config;
    std::shared_ptr<LoadedPlugin> plugin;  ///< the version serving, if any
    std::vector<std::shared_ptr<const Endpoint>> endpoints;
    std::vector<std::shared_ptr<const Filter>> filters;
    std::uint64_t generation = 0;          ///< of the last version loaded
    FileSignature signature;               ///< of the file the serving version came from
    std::uint64_t fingerprint = 0;
    std::optional<FileSignature> refused_signature;
    std::optional<Refusal> last_refusal;
    std::uint64_t refusals = 0;

    /// Takes in what a finished change did with this plugin: the new version `step` brought
    /// (whose meters become visible), an unchanged file's new signature, or a refusal. The
    /// version that serves no more — replaced, or `retired` because its routes clash — moves
    /// to `draining`.
    void take(ChangeStep& step, bool retired, std::vector<std::shared_ptr<LoadedPlugin>>& draining);

    /// Logs what `step`, once taken, did: the version loaded with its routes, or the refusal
    /// and what keeps serving. `replaced` is the generation that served before (0: none);
    /// `trigger` names the change.
    void log_outcome(const ChangeStep& step, std::string_view trigger, std::uint64_t replaced,
                     Poco::Logger& logger) const;
};

}  // namespace plugin_host
