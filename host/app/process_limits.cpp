#include "app/process_limits.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace plugin_host {
namespace {

/// The server's own threads beyond its connections: the acceptor, the gate's watchdog, the
/// plugin watcher, the log writer, the thread that prestarts the others, the main thread.
constexpr long kOwnThreads = 16;

std::string read_first_line(const char* path) {
    std::ifstream file(path);
    std::string line;
    std::getline(file, line);
    return line;
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
                       std::to_string(needed) + " open files (one per connection), but the limit is " +
                       std::to_string(limit.rlim_cur) +
                       ": connections beyond it will fail. Raise it: ulimit -n, or docker run --ulimit nofile=" +
                       std::to_string(needed) + ":" + std::to_string(needed));
    }
}

void check_thread_limit(const ServerConfig& server, Poco::Logger& logger) {
    rlimit limit{};
    if (::geteuid() == 0 || getrlimit(RLIMIT_NPROC, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
    const long needed = threads_needed(server);
    if (static_cast<long>(limit.rlim_cur) >= needed) return;
    logger.warning("[server] max_connections = " + std::to_string(server.max_connections) + " needs about " +
                   std::to_string(needed) + " threads (one per connection), but " + describe_thread_limit() +
                   ": the host serves as many connections as it can make threads for. Raise it: ulimit -u, or the "
                   "container's pids limit");
}

}  // namespace

long descriptors_needed(const ServerConfig& server) {
    constexpr long kOwnDescriptors = 64;
    return server.max_connections + kOwnDescriptors;
}

long threads_needed(const ServerConfig& server) { return server.max_connections + kOwnThreads; }

void check_process_limits(const ServerConfig& server, Poco::Logger& logger) {
    raise_descriptor_limit(server, logger);
    check_thread_limit(server, logger);
}

std::string describe_thread_limit() {
    rlimit limit{};
    if (::geteuid() != 0 && getrlimit(RLIMIT_NPROC, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        return "RLIMIT_NPROC is " + std::to_string(limit.rlim_cur) + " processes and threads for uid " +
               std::to_string(::getuid()) + " (ulimit -u; a container's pids limit does the same)";
    }
    return "the system allows no more threads (kernel.threads-max " + read_first_line("/proc/sys/kernel/threads-max") +
           ", kernel.pid_max " + read_first_line("/proc/sys/kernel/pid_max") + ", or a cgroup's pids.max)";
}

}  // namespace plugin_host
