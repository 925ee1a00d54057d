#pragma once

#include "config/host_config.hpp"

#include <Poco/Logger.h>
#include <Poco/Util/ServerApplication.h>

#include <optional>
#include <string>
#include <vector>

namespace plugin_host {

/// The plugin-host executable: reads --config (default config/server.ini), configures
/// Poco's logging from its [logging.*] sections, runs a Host in the foreground until
/// SIGINT/SIGTERM/SIGQUIT, then drains it and exits 0. With --check-config it only checks
/// the configuration and its plugins (check_plugins()) and exits 0 or 78.
///
/// main() must block those signals (and SIGHUP) in every thread before any thread starts;
/// block_host_signals() does it.
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
    void print_help() const;

    bool help_requested_ = false;
    bool check_requested_ = false;
    std::string config_path_ = "config/server.ini";
    std::optional<HostConfig> config_;  ///< read, with defaults in place of wrong values
    std::vector<std::string> config_problems_;  ///< every problem found reading it
};

/// Blocks SIGINT, SIGTERM, SIGQUIT and SIGHUP in the calling thread and so in every thread
/// it starts afterwards; the application waits for them with sigwait().
void block_host_signals();

}  // namespace plugin_host
