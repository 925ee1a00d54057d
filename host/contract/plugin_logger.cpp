#include "contract/plugin_logger.hpp"

#include "logging/log_line.hpp"

namespace plugin_host {
namespace {

Poco::Message::Priority priority_of(plugin_api::Logger::Level level) {
    switch (level) {
    case plugin_api::Logger::Level::debug: return Poco::Message::PRIO_DEBUG;
    case plugin_api::Logger::Level::information: return Poco::Message::PRIO_INFORMATION;
    case plugin_api::Logger::Level::warning: return Poco::Message::PRIO_WARNING;
    case plugin_api::Logger::Level::error: return Poco::Message::PRIO_ERROR;
    }
    return Poco::Message::PRIO_ERROR;
}

}  // namespace

PluginLogger::PluginLogger(const std::string& plugin_name) : logger_(Poco::Logger::get("plugin." + plugin_name)) {}

bool PluginLogger::enabled(Level level) const { return logger_.is(priority_of(level)); }

void PluginLogger::log(Level level, std::string_view text) {
    const Poco::Message::Priority priority = priority_of(level);
    if (!logger_.is(priority)) return;
    if (text.find_first_of("\r\n") == std::string_view::npos) {
        log_line(logger_, priority, text);
        return;
    }
    std::string line;
    for (const char c : text) {
        if (c == '\n') line += "\\n";
        else if (c == '\r') line += "\\r";
        else line += c;
    }
    log_line(logger_, priority, line);
}

}  // namespace plugin_host
