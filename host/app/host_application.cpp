#include "app/host_application.hpp"

#include "app/config_check.hpp"
#include "app/exit_paths.hpp"
#include "app/host.hpp"
#include "app/process_limits.hpp"
#include "app/service_manager.hpp"
#include "app/signal_watcher.hpp"
#include "logging/buffered_async_channel.hpp"
#include "logging/guarded_file_channel.hpp"
#include "logging/logging_sections.hpp"
#include "plugins/bounded_call.hpp"
#include "plugins/plugin_loader.hpp"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <cstdlib>
#include <iostream>
#include <system_error>

namespace plugin_host {
namespace {

/// What `systemctl status` shows of a host that serves.
std::string serving_status(Host& host) {
    std::size_t loaded = 0;
    for (const PluginStatus& plugin : host.plugins().status()) loaded += plugin.loaded ? 1 : 0;
    return "Serving " + std::to_string(loaded) + " plugins";
}

/// Start-up failed for want of a thread: one line that names the limit.
int cannot_start(const ServerConfig& server, Poco::Logger& logger, const std::string& error) {
    const std::string line = "cannot start a thread the server needs (" + error + "): " + describe_thread_limit() +
                             "; [server] max_workers = " + std::to_string(server.max_workers) +
                             " needs about " + std::to_string(threads_needed(server));
    std::cerr << "plugin-host: " << line << std::endl;
    logger.fatal(line);
    return Poco::Util::Application::EXIT_OSERR;
}

}  // namespace

void HostApplication::defineOptions(Poco::Util::OptionSet& options) {
    ServerApplication::defineOptions(options);
    options.addOption(Poco::Util::Option("help", "h", "Print this help and exit.")
                          .required(false)
                          .repeatable(false));
    options.addOption(Poco::Util::Option("check-config", "t",
                                         "Check the configuration and load its plugins as start-up would, "
                                         "without listening; print every problem and exit 0 (valid) or 78.")
                          .required(false)
                          .repeatable(false));
    options.addOption(Poco::Util::Option("config", "c",
                                         "Read the configuration from FILE "
                                         "(default: config/server.ini).")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
}

void HostApplication::handleOption(const std::string& name, const std::string& value) {
    ServerApplication::handleOption(name, value);
    if (name == "help") {
        help_requested_ = true;
        stopOptionsProcessing();
    } else if (name == "check-config") {
        check_requested_ = true;
    } else if (name == "config") {
        config_path_ = value;
    }
}

void HostApplication::initialize(Poco::Util::Application& self) {
    if (help_requested_) {
        ServerApplication::initialize(self);
        return;
    }
    register_buffered_async_channel();
    bool logging_checked = false;
    try {
        const IniFile ini = IniFile::load(config_path_);
        config_ = read_host_config(ini, config_problems_);
        const std::size_t problems_before = config_problems_.size();
        check_logging_sections(ini, config_problems_);
        logging_checked = true;
        Poco::AutoPtr<Poco::Util::MapConfiguration> configuration = ini.to_configuration();
        // Poco would stop at the first of the problems just found, naming no line: it
        // configures nothing then, and the problems are reported instead.
        if (config_problems_.size() != problems_before) configuration->remove("logging");
        guard_log_files(*configuration);  // a log file that cannot be written must not fail requests
        config().add(configuration, PRIO_APPLICATION);
    } catch (const ConfigError& error) {
        config_problems_ = error.problems();
    }
    try {
        ServerApplication::initialize(self);  // configures logging from [logging.*]
    } catch (const Poco::Exception& error) {
        // What check_logging_sections() cannot see before Poco tries.
        if (logging_checked) config_problems_.push_back(config_path_ + ": [logging.*]: " + error.displayText());
    }
    if (check_requested_) {
        // Checked, not used: the plugins it loads must not write to the server's logs.
        Poco::Logger::setLevel("", 0);
    }
}

int HostApplication::main(const std::vector<std::string>&) {
    if (help_requested_) {
        print_help();
        return EXIT_OK;
    }
    registrations_ = std::make_shared<RegistrationThreads>(config_ ? config_->plugin_loading.registration_timeout
                                                                   : PluginsConfig{}.registration_timeout);
    Poco::Logger& logger = Poco::Logger::get("host");
    int exit_code = EXIT_OK;
    {
        const SignalWatcher signals([this](int signal, SignalMeaning meaning) { on_signal(signal, meaning); });
        if (check_requested_) {
            exit_code = check_config();
        } else if (!config_problems_.empty()) {
            for (const std::string& problem : config_problems_) std::cerr << "plugin-host: " << problem << '\n';
            std::cerr.flush();
            exit_code = EXIT_CONFIG;
        } else {
            check_process_limits(config_->server, logger);
            exit_code = serve(logger);
        }
    }
    const bool loads_abandoned = log_abandoned_loads();
    flush_logging();
    // exit() would run the static destructors of a plugin whose code still runs.
    if (loads_abandoned) std::_Exit(exit_code);
    return exit_code;
}

void HostApplication::on_signal(int signal, SignalMeaning meaning) {
    Poco::Logger& logger = Poco::Logger::get("host");
    const std::string name = signal_name(signal);
    switch (meaning) {
    case SignalMeaning::stop:
        if (!requests_.stop(signal)) {
            logger.information("Received " + name + " while stopping already");
            return;
        }
        logger.information("Received " + name + ": finishing requests in flight, then stopping");
        registrations_->abandon_all("the host is stopping (" + name + ")");
        return;
    case SignalMeaning::reload:
        requests_.reload();
        return;
    case SignalMeaning::reopen_logs:
        logger.information("Received " + name + ": reopening the log files");
        logger.information("Reopened " + std::to_string(reopen_log_files()) + " log files after " + name);
        return;
    case SignalMeaning::ignored:
        logger.warning("Received " + name + ", which means nothing to plugin-host: ignored");
        return;
    }
}

int HostApplication::serve(Poco::Logger& logger) {
    const ServerConfig server = config_->server;
    std::optional<Host> host;
    try {
        host.emplace(std::move(*config_), registrations_);
    } catch (const PluginRefused& error) {
        if (const std::optional<int> signal = requests_.stop_signal()) {
            logger.information("Stopped by " + signal_name(*signal) + " while loading the plugins");
            return EXIT_OK;
        }
        std::cerr << "plugin-host: " << error.what() << std::endl;
        return EXIT_CONFIG;
    } catch (const ConfigError& error) {
        std::cerr << "plugin-host: " << config_path_ << ": " << error.what() << std::endl;
        return EXIT_CONFIG;
    } catch (const Poco::Exception& error) {
        std::cerr << "plugin-host: cannot listen: " << error.displayText() << std::endl;
        logger.fatal("Cannot listen: " + error.displayText());
        return EXIT_UNAVAILABLE;
    } catch (const std::system_error& error) {
        return cannot_start(server, logger, error.what());
    } catch (const std::exception& error) {
        std::cerr << "plugin-host: cannot start: " << error.what() << std::endl;
        return EXIT_SOFTWARE;
    }
    clean_up_on_fatal_exit(host->plugins().shadow_folder());
    if (!requests_.stop_signal()) {
        try {
            host->start();
        } catch (const Poco::SystemException& error) {
            return cannot_start(server, logger, error.displayText());
        } catch (const std::system_error& error) {
            return cannot_start(server, logger, error.what());
        }
        notify_ready(serving_status(*host));
        while (requests_.next() == MainRequests::Request::reload) {
            logger.information("SIGHUP received: reloading the configuration and changed plugins");
            notify_reloading();
            host->reload();
            notify_ready(serving_status(*host));
        }
    }

    notify_stopping();
    const bool drained = host->stop();
    const bool loads_abandoned = !registrations_->abandoned_running().empty();
    if (!drained || loads_abandoned) {
        // Destroying the Host would wait for a request thread still inside a plugin, unload
        // plugins under it, or wait for the dynamic loader that a plugin still initialising
        // may hold: leave without it, as main() does.
        if (!drained) {
            logger.warning("A request is still running inside a plugin after the drain timeout; exiting without it");
        }
        leave_now(host->plugins(), EXIT_OK);
    }
    logger.information("Stopped");
    return EXIT_OK;
}

bool HostApplication::log_abandoned_loads() const {
    const std::vector<std::string> abandoned = registrations_->abandoned_running();
    for (const std::string& plugin : abandoned) {
        Poco::Logger::get("host").warning("Exiting without waiting for the abandoned load of " + plugin +
                                          ", still running");
    }
    if (const std::size_t overdue = overdue_calls_running(); overdue > 0) {
        Poco::Logger::get("host").warning("Exiting without waiting for " + std::to_string(overdue) +
                                          " plugin hook(s) past their lifecycle_timeout_ms, still running");
        return true;
    }
    return !abandoned.empty();
}

void HostApplication::leave_now(const PluginManager& plugins, int exit_code) {
    log_abandoned_loads();
    plugins.discard_private_copies();
    flush_logging();
    std::_Exit(exit_code);
}

int HostApplication::check_config() {
    std::vector<std::string> problems = config_problems_;
    PluginCheck plugins;
    if (config_) plugins = check_plugins(*config_, registrations_);  // also when other sections have problems: all at once
    problems.insert(problems.end(), plugins.problems.begin(), plugins.problems.end());

    for (const std::string& warning : plugins.warnings) std::cerr << "plugin-host: warning: " << warning << '\n';
    for (const std::string& problem : problems) std::cerr << "plugin-host: " << problem << '\n';
    std::cerr.flush();
    if (!problems.empty()) return EXIT_CONFIG;
    std::string routes;
    for (const std::string& route : plugins.routes) routes += (routes.empty() ? "" : ", ") + route;
    std::string filters;
    for (const std::string& filter : plugins.filters) filters += (filters.empty() ? "" : ", ") + filter;
    std::cout << "configuration OK: " << config_path_ << ": " << config_->plugins.size() << " plugins, routes "
              << routes << (filters.empty() ? "" : "; filters, in the order they run: " + filters) << std::endl;
    return EXIT_OK;
}

void HostApplication::print_help() const {
    Poco::Util::HelpFormatter help(options());
    help.setCommand(commandName());
    help.setUsage("[--check-config] [--config FILE]");
    help.setHeader("Serves HTTP endpoints provided by plugins, as configured in an INI file.");
    help.format(std::cout);
}

}  // namespace plugin_host
