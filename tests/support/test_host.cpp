#include "support/test_host.hpp"

#include "test_paths.hpp"

#include <fstream>

namespace test_support {

std::string server_keys(std::initializer_list<std::string_view> defaults, const std::string& extra_server_keys) {
    std::string keys;
    for (const std::string_view line : defaults) {
        const std::string key(line.substr(0, line.find(" =")));
        if (extra_server_keys.find(key + " =") == std::string::npos) keys += std::string(line) + "\n";
    }
    return keys + extra_server_keys;
}

std::string test_server_ini(int delay_ms, const std::string& extra_server_keys) {
    return "[server]\n" +
           server_keys({"address = 127.0.0.1", "port = 0", "max_connections = 96", "keep_alive_timeout_ms = 2000",
                        "receive_timeout_ms = 2000"},
                       extra_server_keys) +
           "\n[repository]\ndelay_ms = " + std::to_string(delay_ms) + "\n";
}

std::string seed_plugins_ini() {
    return std::string("[plugin.first]\nlibrary = ") + test_paths::kFirstPlugin +
           "\n[plugin.second]\nlibrary = " + test_paths::kSecondPlugin +
           "\n[plugin.third]\nlibrary = " + test_paths::kThirdPlugin + "\n";
}

std::string blocking_seed_plugins_ini() {
    std::string ini;
    for (const char* name : {"first", "second", "third"}) {
        ini += std::string("[plugin.") + name + "]\nlibrary = " + test_paths::kBlockingSeedPlugin + "\nroute = /" + name +
               "\n";
    }
    return ini;
}

plugin_host::PluginConfig plugin_config(std::string name, std::filesystem::path library,
                                        std::map<std::string, std::string, std::less<>> settings) {
    plugin_host::PluginConfig plugin;
    plugin.name = std::move(name);
    plugin.library = std::move(library);
    plugin.file = "test.ini";
    plugin.origin = "test.ini:1";
    int line = 1;
    for (const auto& [key, value] : settings) plugin.setting_lines.emplace(key, ++line);
    plugin.settings = std::move(settings);
    return plugin;
}

plugin_host::HostConfig write_and_load_config(const TempDir& dir, const std::string& ini_text) {
    const std::filesystem::path file = dir / "server.ini";
    std::ofstream(file) << ini_text;
    return plugin_host::load_host_config(file);
}

double metric_value(const std::string& text, const std::string& sample) {
    const std::string prefix = sample + " ";
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t end = std::min(text.find('\n', at), text.size());
        if (text.compare(at, prefix.size(), prefix) == 0) return std::stod(text.substr(at + prefix.size(), end - at - prefix.size()));
        at = end + 1;
    }
    return -1;
}

RunningHost::RunningHost(const std::string& ini_text)
    : host_(std::make_unique<plugin_host::Host>(write_and_load_config(dir_, ini_text))) {
    host_->start();
}

RunningHost::~RunningHost() { host_->stop(); }

}  // namespace test_support
