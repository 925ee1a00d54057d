#pragma once

#include "services/timer_thread.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <Poco/Logger.h>

#include <chrono>
#include <memory>

namespace plugin_host {

/// The repository shared by every plugin: logs each call, waits the configured delay (the
/// seed's stand-in for real work) and returns "<names> Executed"; call() on the caller's
/// thread, call_later() (contract 2.2) on a TimerThread, so that no thread waits the delay,
/// and call_later_here() (2.3) on the caller's EventLoop when it is a loop thread.
/// Called concurrently from request threads (and from the timer's, in a `done`).
class RepositoryService final : public plugin_api::Repository {
public:
    /// `timer` runs the call_later()s; none: a timer of its own. Destroying the service stops
    /// the timer it uses (dropping the `done`s not yet due), so share one only with nothing
    /// that outlives the service.
    RepositoryService(std::chrono::milliseconds delay, Poco::Logger& logger, std::shared_ptr<TimerThread> timer = nullptr);
    ~RepositoryService();
    RepositoryService(const RepositoryService&) = delete;
    RepositoryService& operator=(const RepositoryService&) = delete;

    std::string call(std::span<const std::string> names, std::string_view data) override;
    void call_later(std::span<const std::string> names, std::string data, std::function<void(std::string)> done) override;
    void call_later_here(std::span<const std::string> names, std::string data,
                         std::function<void(std::string)> done) override;

    std::chrono::milliseconds delay() const { return delay_; }

    /// Stops the timer: the `done`s not yet due are dropped (a plugin's Deferred in one then
    /// answers 500). The host calls it once it serves no more, while the plugins are still
    /// loaded, so that what a plugin left in the queue is destroyed while its code is mapped.
    void stop_timer() { timer_->stop(); }

private:
    /// Logs the start of a call; the names joined with commas.
    std::string begin(std::span<const std::string> names, std::string_view data);
    /// What a timer runs once the delay has passed: logs the end of the call and calls `done`.
    std::function<void()> finish_later(std::string joined, std::function<void(std::string)> done);

    const std::chrono::milliseconds delay_;
    Poco::Logger& logger_;
    std::shared_ptr<TimerThread> timer_;
};

}  // namespace plugin_host
