#pragma once

#include "plugins/plugin_loader.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace plugin_host {

/// Runs each plugin load (mapping its library, its factory, its register_endpoints()) on a
/// thread of its own, so that a plugin that never returns holds neither the thread that
/// asked for the load nor a stop. Who asks: the PluginManager, on the main thread (start-up,
/// SIGHUP), a connection thread (POST /admin/reload), the watcher's thread, or the thread of
/// --check-config.
///
/// The asking thread waits at most `limit` for a load ([plugins] registration_timeout_ms),
/// and not at all once abandon_all() has been called (a stop): then the load is abandoned.
/// Its thread is left running, detached, and owns everything it touches: copies of the
/// configuration and the paths, a share of the repository, the plugin it makes. It keeps
/// the plugin's library mapped for the rest of the process (a reference of its own, taken
/// right after the library is mapped and never given back), so the code of an abandoned
/// plugin is never unmapped while it may still run; whatever the load makes is dropped
/// when it returns, and nothing of it ever serves.
///
/// A process with an abandoned load still running must leave through std::_Exit: exit()
/// would run the plugin's static destructors under it. HostApplication does so.
///
/// Thread safety: every member may be called from any thread. Owned through shared_ptr by
/// the application and the PluginManager; the load threads share its state, so it may go
/// before they do.
class RegistrationThreads {
public:
    /// What a load gave: the plugin, or why it was refused (a sentence naming the plugin).
    struct Result {
        std::optional<PluginLoad> load;
        std::string refusal;
    };

    /// A load started by start(); wait() gives its result.
    struct Pending;

    explicit RegistrationThreads(std::chrono::milliseconds limit);

    RegistrationThreads(const RegistrationThreads&) = delete;
    RegistrationThreads& operator=(const RegistrationThreads&) = delete;

    /// Starts load_plugin(config, image, generation, services) on a new thread; its time
    /// limit runs from now. Once abandon_all() has been called the load is not started and
    /// wait() gives the reason at once. Throws std::system_error if no thread can be made.
    std::shared_ptr<Pending> start(const PluginConfig& config, const std::filesystem::path& image,
                                   std::uint64_t generation, PluginServices services);

    /// Waits until the load is done, its time limit has passed or abandon_all() is called;
    /// in the last two cases the load is abandoned and the result is a refusal saying so.
    /// Once per Pending.
    Result wait(const std::shared_ptr<Pending>& pending);

    /// Gives up on every load being waited for, and on every load started from now on, at
    /// once; `reason` ends their refusals ("the host is stopping (SIGTERM)"). For a stop.
    void abandon_all(const std::string& reason);

    /// Whether abandon_all() has been called.
    bool abandoning() const;

    /// "plugin 'x' (/path/x.so)" of every abandoned load whose thread has not returned yet.
    std::vector<std::string> abandoned_running() const;

    std::chrono::milliseconds limit() const { return limit_; }

private:
    struct Shared;

    const std::chrono::milliseconds limit_;
    std::shared_ptr<Shared> shared_;
};

}  // namespace plugin_host
