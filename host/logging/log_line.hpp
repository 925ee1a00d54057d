#pragma once

#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <string>

namespace plugin_host {

/// Logs `text` through `logger` at `priority`, like logger.information(text), for lines
/// written on every request. Poco::Message's constructor asks the kernel for the process
/// id and copies the thread's name under a lock for every message; here each thread builds
/// that part of a message once and copies it. Does nothing below the logger's level.
/// Any thread.
void log_line(Poco::Logger& logger, Poco::Message::Priority priority, std::string text);

}  // namespace plugin_host
