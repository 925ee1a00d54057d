#pragma once

#include "config/host_config.hpp"

#include <Poco/Logger.h>

namespace plugin_host {

/// Descriptors the server may need: Poco 1.11 holds two for each idle keep-alive
/// connection (the socket and an epoll instance), one for each queued connection, and a
/// few of its own (listening socket, plugins, logs).
long descriptors_needed(const ServerConfig& server);

/// Raises the soft RLIMIT_NOFILE to the hard limit, and warns when descriptors_needed()
/// does not fit even so. Called once on the main thread before the server starts.
void raise_descriptor_limit(const ServerConfig& server, Poco::Logger& logger);

}  // namespace plugin_host
