#pragma once

#include "config/host_config.hpp"
#include "http/http_connection.hpp"

namespace plugin_host {

/// The connections' settings from the validated [server] section: the one way an
/// HttpSettings is made, so that its values are always ServerConfig's. A test that needs the
/// defaults passes ServerConfig{}.
HttpSettings http_settings(const ServerConfig& server);

}  // namespace plugin_host
