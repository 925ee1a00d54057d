#pragma once

#include <plugin_api/endpoint_plugin.hpp>

#include <Poco/Logger.h>

#include <chrono>

namespace plugin_host {

/// The repository shared by every plugin: logs each call, waits the configured delay (the
/// seed's stand-in for real work) and returns "<names> Executed".
/// Called concurrently from request threads; holds no mutable state.
class RepositoryService final : public plugin_api::Repository {
public:
    RepositoryService(std::chrono::milliseconds delay, Poco::Logger& logger);

    std::string call(std::span<const std::string> names, std::string_view data) override;

    std::chrono::milliseconds delay() const { return delay_; }

private:
    const std::chrono::milliseconds delay_;
    Poco::Logger& logger_;
};

}  // namespace plugin_host
