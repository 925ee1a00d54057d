#pragma once

#include "plugins/bounded_call.hpp"
#include "plugins/loaded_plugin.hpp"

#include <Poco/Logger.h>

#include <chrono>
#include <memory>
#include <vector>

namespace plugin_host {

/// Brings a plugin version into service and takes one out of it, running the hooks it
/// registered (contract 2.1): the outgoing version's stop and save, the incoming one's
/// restore and start, each within `limit` ([plugins] lifecycle_timeout_ms, bounded_call).
/// Used by the PluginManager under its operation mutex, on the thread of a change, of
/// unload_drained() or of its destructor. A plugin whose hook overran its limit is added to
/// `kept_for_good`, which the manager never lets go of: its code may still run.
class VersionHandover {
public:
    using Kept = std::vector<std::shared_ptr<LoadedPlugin>>;

    VersionHandover(std::chrono::milliseconds limit, Poco::Logger& logger) : limit_(limit), logger_(logger) {}

    /// Keeps `plugins` loaded until the process ends, in a list that stays reachable (so a
    /// leak checker does not report it): their code may still run. Any thread.
    static void keep_until_exit(Kept plugins);

    /// Called once `incoming` is published, its gate still closed. If it and `outgoing` (the
    /// version it replaced, or null) both keep state: waits up to the limit for `outgoing`'s
    /// last request (until only the manager's draining list and this argument hold it),
    /// stops it, and hands what its save gives to `incoming`'s restore. Then runs
    /// `incoming`'s start and opens its gate, whatever happened: requests never wait beyond
    /// these bounded steps.
    void bring_in(const std::shared_ptr<LoadedPlugin>& incoming, std::shared_ptr<LoadedPlugin> outgoing,
                  Kept& kept_for_good);

    /// Runs `outgoing`'s stop hook unless it has run: once nothing uses it any more, before
    /// it is unloaded.
    void stop(const std::shared_ptr<LoadedPlugin>& outgoing, Kept& kept_for_good);

private:
    /// Runs one hook and logs how it failed; one that did not return in time keeps its plugin for good.
    CallOutcome::Kind run(const char* what, const std::shared_ptr<LoadedPlugin>& plugin, std::function<void()> hook,
             Kept& kept_for_good);
    void hand_state(const std::shared_ptr<LoadedPlugin>& incoming, const std::shared_ptr<LoadedPlugin>& outgoing,
                    Kept& kept_for_good);

    const std::chrono::milliseconds limit_;
    Poco::Logger& logger_;
};

}  // namespace plugin_host
