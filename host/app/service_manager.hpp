#pragma once

#include <string_view>

namespace plugin_host {

// Tells the service manager what the host is doing, for a systemd unit of Type=notify,
// through sd_notify(3) of libsystemd; each does nothing when $NOTIFY_SOCKET is not set (not
// started by systemd). Called on the main thread, which systemd's NotifyAccess=main accepts.

/// The plugins are loaded and the port listens: start-up, or a reload, is done. `status` is
/// shown by `systemctl status`.
void notify_ready(std::string_view status);

/// A reload (SIGHUP) begins; notify_ready() ends it.
void notify_reloading();

/// The host drains and stops.
void notify_stopping();

}  // namespace plugin_host
