#pragma once

#include "app/host.hpp"
#include "config/host_config.hpp"
#include "support/temp_dir.hpp"

#include <memory>
#include <string>

namespace test_support {

/// A [server] and [repository] section for tests: loopback, port 0, a small pool, and the
/// given repository delay. `extra_server_keys` lines are appended to [server].
std::string test_server_ini(int delay_ms, const std::string& extra_server_keys = "");

/// [plugin.<name>] sections for the seed plugins CMake built.
std::string seed_plugins_ini();

/// Writes `ini_text` to <dir>/server.ini and loads it as the host would.
plugin_host::HostConfig write_and_load_config(const TempDir& dir, const std::string& ini_text);

/// A Host built from `ini_text` and started; stopped and destroyed with this object.
class RunningHost {
public:
    explicit RunningHost(const std::string& ini_text);
    ~RunningHost();

    std::uint16_t port() const { return host_->port(); }
    plugin_host::Host& host() { return *host_; }

private:
    TempDir dir_;
    std::unique_ptr<plugin_host::Host> host_;
};

}  // namespace test_support
