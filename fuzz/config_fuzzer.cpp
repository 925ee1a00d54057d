// libFuzzer target for configuration parsing: the input is a server.ini. IniFile::parse()
// and read_host_config() may refuse it only with a ConfigError (which names the file and
// line); any other exception escapes and libFuzzer reports it, as it does crashes and
// sanitizer findings. What is accepted must hold the config's promises.
#include "logging/guarded_file_channel.hpp"
#include "config/host_config.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "config_fuzzer: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace plugin_host;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const IniFile ini = IniFile::parse(text, "/etc/plugin-host/server.ini");
        Poco::AutoPtr<Poco::Util::MapConfiguration> configuration = ini.to_configuration();
        guard_log_files(*configuration);
        const HostConfig config = read_host_config(ini);
        if (config.plugins.empty()) violated("a configuration without plugins was accepted");
        for (const PluginConfig& plugin : config.plugins) {
            if (plugin.name.empty()) violated("a plugin without a name was accepted");
            if (!plugin.library.is_absolute()) violated("a plugin library path was left relative");
        }
        for (const auto& folder : config.plugin_loading.folders) {
            if (!folder.is_absolute()) violated("a plugin folder was left relative");
        }
        if (config.server.max_connections < 1 || config.server.header_timeout.count() < 1) {
            violated("a value out of its range was accepted");
        }
    } catch (const ConfigError&) {
        // Refused, with a message that names the place.
    }
    return 0;
}
