#include "services/repository_service.hpp"

#include "contract/plugin_code_scope.hpp"
#include "logging/log_line.hpp"

#include <Poco/Exception.h>

#include <thread>

namespace plugin_host {

RepositoryService::RepositoryService(std::chrono::milliseconds delay, Poco::Logger& logger,
                                     std::shared_ptr<TimerThread> timer)
    : delay_(delay), logger_(logger), timer_(timer ? std::move(timer) : std::make_shared<TimerThread>()) {}

RepositoryService::~RepositoryService() { timer_->stop(); }

std::string RepositoryService::begin(std::span<const std::string> names, std::string_view data) {
    std::string joined;
    for (const std::string& name : names) {
        if (!joined.empty()) joined += ',';
        joined += name;
    }
    if (logger_.information()) {
        log_line(logger_, Poco::Message::PRIO_INFORMATION,
                 "Executing " + joined + " with data: " + one_line(data));
    }
    return joined;
}

std::string RepositoryService::call(std::span<const std::string> names, std::string_view data) {
    std::string joined = begin(names, data);
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    if (logger_.information()) log_line(logger_, Poco::Message::PRIO_INFORMATION, "Executed " + joined);
    return joined + " Executed";
}

void RepositoryService::call_later(std::span<const std::string> names, std::string data,
                                   std::function<void(std::string)> done) {
    std::string joined = begin(names, data);
    // The logger outlives the timer's callbacks: the timer is stopped before the service goes.
    timer_->schedule_after(delay_, [&logger = logger_, joined = std::move(joined), done = std::move(done)]() mutable {
        const PluginCodeScope scope;  // `done` is the plugin's code, and may own the request's Deferred
        if (logger.information()) log_line(logger, Poco::Message::PRIO_INFORMATION, "Executed " + joined);
        try {
            done(joined + " Executed");
        } catch (const Poco::Exception& error) {
            logger.error("A plugin's call_later() callback threw: " + one_line(error.displayText()));
        } catch (const std::exception& error) {
            logger.error("A plugin's call_later() callback threw: " + one_line(error.what()));
        } catch (...) {
            logger.error("A plugin's call_later() callback threw a non-standard exception");
        }
        done = nullptr;  // inside the scope
    });
}

}  // namespace plugin_host
