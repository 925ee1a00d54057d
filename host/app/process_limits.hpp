#pragma once

#include "config/host_config.hpp"

#include <Poco/Logger.h>

#include <cstddef>
#include <string>

namespace plugin_host {

// The system's limits on what the server makes: a descriptor per connection, and threads
// (its loops, its workers and a few of its own). Called on the main thread before the
// server starts, and when a thread cannot be made.

/// Descriptors the server may need: one for each connection (its socket), and a few of its
/// own (listening socket, plugin folders, logs, connections being turned away).
long descriptors_needed(const ServerConfig& server);

/// Connections the soft open-file limit leaves room for beside the server's own descriptors:
/// max_connections if they fit (or there is no limit), else fewer, at least one. Beyond them
/// the server would run out of descriptors; the host answers them 503 instead.
std::size_t connections_within_open_file_limit(const ServerConfig& server);

/// Threads the server may need: its loops, at most max_workers workers, and a few of its own.
/// The loop threads `server` asks for: loop_threads, or one per core if it is 0.
std::size_t loop_threads(const ServerConfig& server);

long threads_needed(const ServerConfig& server);

/// Raises the soft RLIMIT_NOFILE to the hard limit, and warns when descriptors_needed()
/// does not fit even so (naming connections_within_open_file_limit()); warns when
/// RLIMIT_NPROC is below threads_needed() for a user it applies to (not root).
void check_process_limits(const ServerConfig& server, Poco::Logger& logger);

/// What limits how many threads this process can make, in a clause for a message:
/// "RLIMIT_NPROC is 300 processes and threads for uid 1000" or the system-wide limits.
std::string describe_thread_limit();

}  // namespace plugin_host
