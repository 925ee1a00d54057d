#include "app/process_limits.hpp"

#include <thread>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

namespace plugin_host {
namespace {

/// The server's own threads beyond its loops and workers: the acceptor, the signal watcher,
/// the plugin watcher, the log writer, the timer thread, the main thread.
constexpr long kOwnThreads = 16;

/// The server's own descriptors beyond its connections: the listening socket, plugin files
/// and folders, logs, clients being answered 503.
constexpr long kOwnDescriptors = 64;

/// The soft open-file limit now in force, or nothing if there is none (or it cannot be read).
std::optional<long> open_file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return std::nullopt;
    return static_cast<long>(limit.rlim_cur);
}

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
    const std::size_t fitting = connections_within_open_file_limit(server);
    if (fitting < static_cast<std::size_t>(server.max_connections)) {
        logger.warning("[server] max_connections = " + std::to_string(server.max_connections) + " needs about " +
                       std::to_string(needed) + " open files (one per connection), but the limit is " +
                       std::to_string(limit.rlim_cur) + ": the host serves at most " + std::to_string(fitting) +
                       " connections at once and answers more clients 503. Raise it: ulimit -n, or docker run "
                       "--ulimit nofile=" +
                       std::to_string(needed) + ":" + std::to_string(needed));
    }
}

void check_thread_limit(const ServerConfig& server, Poco::Logger& logger) {
    rlimit limit{};
    if (::geteuid() == 0 || getrlimit(RLIMIT_NPROC, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
    const long needed = threads_needed(server);
    if (static_cast<long>(limit.rlim_cur) >= needed) return;
    logger.warning("[server] max_workers = " + std::to_string(server.max_workers) + " needs about " +
                   std::to_string(needed) + " threads (one per handler running), but " + describe_thread_limit() +
                   ": when no worker can be started, requests are answered 503. Raise it (ulimit -u, or the "
                   "container's pids limit), or lower max_workers");
}

}  // namespace

long descriptors_needed(const ServerConfig& server) { return server.max_connections + kOwnDescriptors; }

std::size_t connections_within_open_file_limit(const ServerConfig& server) {
    const auto wanted = static_cast<std::size_t>(server.max_connections);
    const std::optional<long> limit = open_file_limit();
    if (!limit) return wanted;
    return std::min(wanted, static_cast<std::size_t>(std::max(1L, *limit - kOwnDescriptors)));
}

std::size_t loop_threads(const ServerConfig& server) {
    return server.loop_threads > 0 ? static_cast<std::size_t>(server.loop_threads)
                                   : std::max(1U, std::thread::hardware_concurrency());
}

long threads_needed(const ServerConfig& server) {
    return server.max_workers + static_cast<long>(loop_threads(server)) + kOwnThreads;
}

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
