#pragma once

#include <memory>
#include <vector>

namespace plugin_host {

/// Open on a host thread while it runs, and then destroys, a callable a plugin made: the
/// TimerThread running a call_later() callback (RepositoryService). Destroying that callable
/// runs the plugin's code, and a Deferred it owned lets go of the plugin there. Were that the
/// plugin's last user, the PluginManager's thread could unload the plugin while its code is
/// still on this thread's stack. So while a scope is open, PluginDeferred hands its hold to
/// the scope instead of dropping it, and the scope drops what it holds when it closes, back
/// in host code. Scopes nest; each belongs to the thread that opened it.
class PluginCodeScope {
public:
    PluginCodeScope();
    ~PluginCodeScope();
    PluginCodeScope(const PluginCodeScope&) = delete;
    PluginCodeScope& operator=(const PluginCodeScope&) = delete;

    /// Keeps `hold` until this thread's innermost open scope closes; drops it now if none is open.
    static void release(std::shared_ptr<const void> hold);

private:
    std::vector<std::shared_ptr<const void>> held_;
    PluginCodeScope* outer_;
};

}  // namespace plugin_host
