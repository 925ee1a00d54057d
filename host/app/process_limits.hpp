#pragma once

#include "config/host_config.hpp"

#include <Poco/Logger.h>

namespace plugin_host {

/// Descriptors the server may need: three for each idle keep-alive connection (the socket,
/// the epoll instance Poco 1.11 makes for each wait, the connection gate's duplicate), one
/// for each queued connection, and a few of its own (listening socket, plugins, logs).
long descriptors_needed(const ServerConfig& server);

/// Raises the soft RLIMIT_NOFILE to the hard limit, and warns when descriptors_needed()
/// does not fit even so. Called once on the main thread before the server starts.
void raise_descriptor_limit(const ServerConfig& server, Poco::Logger& logger);

}  // namespace plugin_host
