#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace plugin_host {

/// How a bounded call of plugin code ended.
struct CallOutcome {
    enum class Kind { returned, threw, timed_out };
    Kind kind = Kind::returned;
    std::string error;  ///< what it threw

    bool timed_out() const { return kind == Kind::timed_out; }
};

/// Runs `call` (a plugin's lifecycle or state hook) on a thread of its own and waits for it
/// at most `limit`. Past the limit the thread is left to run, detached, holding `keep`
/// (the plugin, so that its code stays mapped while it runs) until it returns; the caller
/// must then never unload that plugin (the manager keeps it for good). Called by the
/// PluginManager's and VersionHandover's threads. Throws std::system_error if no thread can
/// be made.
CallOutcome call_within(std::chrono::milliseconds limit, std::shared_ptr<const void> keep, std::function<void()> call);

/// How many calls past their limit are still running: a process with one must leave
/// through std::_Exit, as with an abandoned load (RegistrationThreads). Any thread.
std::size_t overdue_calls_running();

}  // namespace plugin_host
