#include "app/service_manager.hpp"

#include <systemd/sd-daemon.h>

#include <string>

namespace plugin_host {

void notify_ready(std::string_view status) {
    sd_notify(0, ("READY=1\nSTATUS=" + std::string(status)).c_str());
}

void notify_reloading() { sd_notify(0, "RELOADING=1\nSTATUS=Reloading the configuration"); }

void notify_stopping() { sd_notify(0, "STOPPING=1\nSTATUS=Finishing requests in flight, then stopping"); }

}  // namespace plugin_host
