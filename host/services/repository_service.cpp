#include "services/repository_service.hpp"

#include "contract/plugin_code_scope.hpp"
#include "http/event_loop.hpp"
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

namespace {

/// A plugin's `done`: its code (see PluginCodeScope), destroyed inside a scope whether it ran
/// or was dropped unrun by a stopping timer.
struct PluginCallback {
    std::function<void(std::string)> done;

    PluginCallback(std::function<void(std::string)> callback) : done(std::move(callback)) {}
    PluginCallback(const PluginCallback&) = default;  // std::function copies what it holds
    PluginCallback(PluginCallback&&) = default;
    ~PluginCallback() {
        const PluginCodeScope scope;
        done = nullptr;
    }
};

}  // namespace

std::function<void()> RepositoryService::finish_later(std::string joined, std::function<void(std::string)> done) {
    // The logger outlives the callback: a timer is stopped (the repository's by the host,
    // a loop's by its server) while the service is alive.
    return [&logger = logger_, joined = std::move(joined), callback = PluginCallback(std::move(done))]() mutable {
        const PluginCodeScope scope;  // `done` may own the request's Deferred
        if (logger.information()) log_line(logger, Poco::Message::PRIO_INFORMATION, "Executed " + joined);
        try {
            callback.done(joined + " Executed");
        } catch (const Poco::Exception& error) {
            logger.error("A plugin's call_later() callback threw: " + one_line(error.displayText()));
        } catch (const std::exception& error) {
            logger.error("A plugin's call_later() callback threw: " + one_line(error.what()));
        } catch (...) {
            logger.error("A plugin's call_later() callback threw a non-standard exception");
        }
        callback.done = nullptr;  // inside the scope
    };
}

void RepositoryService::call_later(std::span<const std::string> names, std::string data,
                                   std::function<void(std::string)> done) {
    std::string joined = begin(names, data);
    timer_->schedule_after(delay_, finish_later(std::move(joined), std::move(done)));
}

void RepositoryService::call_later_here(std::span<const std::string> names, std::string data,
                                        std::function<void(std::string)> done) {
    std::string joined = begin(names, data);
    if (EventLoop* loop = EventLoop::current()) {
        loop->run_at(EventLoop::Clock::now() + delay_, finish_later(std::move(joined), std::move(done)));
    } else {
        timer_->schedule_after(delay_, finish_later(std::move(joined), std::move(done)));
    }
}

}  // namespace plugin_host
