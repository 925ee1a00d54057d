#pragma once

#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <string>
#include <string_view>

namespace plugin_host {

/// Logs `text` through `logger` at `priority`, like logger.information(text), for lines
/// written on every request. Poco::Message's constructor asks the kernel for the process
/// id and copies the thread's name under a lock for every message. When the logger's
/// channel is a BufferedAsyncChannel writing default lines, the line is formatted straight
/// into its buffer with no Message at all; otherwise each thread builds the constant part
/// of a Message once and copies it. Does nothing below the logger's level. Any thread.
void log_line(Poco::Logger& logger, Poco::Message::Priority priority, std::string_view text);

/// `text` from outside the host (a client's data, a plugin's exception) made fit for one
/// log line: backslashes and control characters escaped as C writes them ("\\", "\n",
/// "\x1b"), bytes that are not UTF-8 replaced by U+FFFD, so that it can neither forge a
/// line nor garble the log. Called by RepositoryService and ExecutionService on request
/// threads; any thread.
std::string one_line(std::string_view text);

}  // namespace plugin_host
