#include "app/descriptor_limit.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace plugin_host {

long descriptors_needed(const ServerConfig& server) {
    constexpr long kOwnDescriptors = 64;
    constexpr long kPerConnection = 3;  // the socket, Poco's epoll instance, the gate's duplicate
    return kPerConnection * server.max_connections + server.max_queued + kOwnDescriptors;
}

void raise_descriptor_limit(const ServerConfig& server, Poco::Logger& logger) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        logger.warning(std::string("Cannot read the descriptor limit: ") + std::strerror(errno));
        return;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        const rlim_t before = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
            logger.information("Raised the open-file limit from " + std::to_string(before) + " to " +
                               std::to_string(limit.rlim_cur));
        } else {
            limit.rlim_cur = before;
        }
    }
    const long needed = descriptors_needed(server);
    if (limit.rlim_cur != RLIM_INFINITY && static_cast<long>(limit.rlim_cur) < needed) {
        logger.warning("[server] max_connections = " + std::to_string(server.max_connections) + " needs about " +
                       std::to_string(needed) + " open files (three per idle keep-alive connection), but the limit is " +
                       std::to_string(limit.rlim_cur) +
                       ": connections beyond it will fail. Raise it: ulimit -n, or docker run --ulimit nofile=" +
                       std::to_string(needed) + ":" + std::to_string(needed));
    }
}

}  // namespace plugin_host
