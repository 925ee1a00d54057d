#include "services/repository_service.hpp"

#include "logging/log_line.hpp"

#include <thread>

namespace plugin_host {

RepositoryService::RepositoryService(std::chrono::milliseconds delay, Poco::Logger& logger)
    : delay_(delay), logger_(logger) {}

std::string RepositoryService::call(std::span<const std::string> names, std::string_view data) {
    std::string joined;
    for (const std::string& name : names) {
        if (!joined.empty()) joined += ',';
        joined += name;
    }
    if (logger_.information()) {
        log_line(logger_, Poco::Message::PRIO_INFORMATION,
                 "Executing " + joined + " with data: " + one_line(data));
    }
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    if (logger_.information()) log_line(logger_, Poco::Message::PRIO_INFORMATION, "Executed " + joined);
    return joined + " Executed";
}

}  // namespace plugin_host
