#include "support/test_host.hpp"

#include "test_paths.hpp"

#include <fstream>

namespace test_support {

std::string test_server_ini(int delay_ms, const std::string& extra_server_keys) {
    return "[server]\n"
           "address = 127.0.0.1\n"
           "port = 0\n"
           "max_connections = 96\n"
           "keep_alive_timeout_ms = 2000\n"
           "receive_timeout_ms = 2000\n" +
           extra_server_keys +
           "\n[repository]\n"
           "delay_ms = " +
           std::to_string(delay_ms) + "\n";
}

std::string seed_plugins_ini() {
    return std::string("[plugin.first]\nlibrary = ") + test_paths::kFirstPlugin +
           "\n[plugin.second]\nlibrary = " + test_paths::kSecondPlugin +
           "\n[plugin.third]\nlibrary = " + test_paths::kThirdPlugin + "\n";
}

plugin_host::HostConfig write_and_load_config(const TempDir& dir, const std::string& ini_text) {
    const std::filesystem::path file = dir / "server.ini";
    std::ofstream(file) << ini_text;
    return plugin_host::load_host_config(file);
}

RunningHost::RunningHost(const std::string& ini_text)
    : host_(std::make_unique<plugin_host::Host>(write_and_load_config(dir_, ini_text))) {
    host_->start();
}

RunningHost::~RunningHost() { host_->stop(); }

}  // namespace test_support
