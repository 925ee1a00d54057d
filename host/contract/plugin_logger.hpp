#pragma once

#include <plugin_api/endpoint_plugin.hpp>

#include <Poco/Logger.h>

#include <string>

namespace plugin_host {

/// A plugin's logger: the Poco logger "plugin.<name>", so that the plugin's lines follow
/// [logging.*] and reach the host's channel. Line breaks in a line are written as \n and
/// \r, so that nothing a request carries into a plugin's message can forge a log line.
/// Owned by the LoadedPlugin; any thread.
class PluginLogger final : public plugin_api::Logger {
public:
    explicit PluginLogger(const std::string& plugin_name);

    bool enabled(Level level) const override;
    void log(Level level, std::string_view text) override;

private:
    Poco::Logger& logger_;
};

}  // namespace plugin_host
