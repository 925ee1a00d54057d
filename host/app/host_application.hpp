#pragma once

#include "app/main_requests.hpp"
#include "app/signal_watcher.hpp"
#include "config/host_config.hpp"
#include "plugins/plugin_manager.hpp"
#include "plugins/registration_threads.hpp"

#include <Poco/Logger.h>
#include <Poco/Util/ServerApplication.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace plugin_host {

/// The plugin-host executable: reads --config (default config/server.ini), configures
/// Poco's logging from its [logging.*] sections, runs a Host in the foreground until a stop
/// signal, then drains it and exits 0. With --check-config it only checks the configuration
/// and its plugins (check_plugins()) and exits 0 or 78.
///
/// Threads: the main thread builds, starts, reloads (on SIGHUP) and stops the Host; a
/// SignalWatcher's thread takes every signal (main() must call block_host_signals() before
/// any thread starts) and asks the main thread through MainRequests. A stop also abandons,
/// from the signal thread, every plugin load in progress (RegistrationThreads, shared with
/// the Host), so that no plugin's registration can hold a stop: the main thread is never
/// left waiting for plugin code. A process with an abandoned load still running leaves
/// through std::_Exit once the Host is gone and the log written out.
class HostApplication final : public Poco::Util::ServerApplication {
protected:
    void defineOptions(Poco::Util::OptionSet& options) override;
    void handleOption(const std::string& name, const std::string& value) override;
    void initialize(Poco::Util::Application& self) override;
    int main(const std::vector<std::string>& args) override;

private:
    /// Builds, starts and runs the Host until a stop signal; the exit code.
    int serve(Poco::Logger& logger);
    /// --check-config: reports every problem of the configuration and its plugins; the exit code.
    int check_config();
    /// Leaves the process at once with `exit_code`, the Host left as it is: names the
    /// abandoned plugin loads still running, removes the private plugin copies and writes
    /// out the log. Main thread.
    [[noreturn]] void leave_now(const PluginManager& plugins, int exit_code);
    /// Names in the log every abandoned plugin load, and counts the plugin hooks past their
    /// limit, still running; whether there is one (then exit() must not run).
    bool log_abandoned_loads() const;
    /// The signal thread: what `signal` means, done.
    void on_signal(int signal, SignalMeaning meaning);
    void print_help() const;

    bool help_requested_ = false;
    bool check_requested_ = false;
    std::string config_path_ = "config/server.ini";
    std::optional<HostConfig> config_;  ///< read, with defaults in place of wrong values
    std::vector<std::string> config_problems_;  ///< every problem found reading it
    std::shared_ptr<RegistrationThreads> registrations_;  ///< the plugin loads, shared with the Host
    MainRequests requests_;
};

}  // namespace plugin_host
