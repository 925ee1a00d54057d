#pragma once

#include "app/host.hpp"
#include "config/host_config.hpp"
#include "support/temp_dir.hpp"

#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>

namespace test_support {

/// The `defaults` ("key = value" lines) that `extra_server_keys` does not set, then
/// `extra_server_keys`: the body of a [server] section.
std::string server_keys(std::initializer_list<std::string_view> defaults, const std::string& extra_server_keys);

/// A [server] and [repository] section for tests: loopback, port 0, a small pool (96
/// connections), 2 s keep-alive and receive timeouts, and the given repository delay.
/// `extra_server_keys` lines are added to [server], in place of those defaults they set.
std::string test_server_ini(int delay_ms, const std::string& extra_server_keys = "");

/// [plugin.<name>] sections for the seed plugins CMake built.
std::string seed_plugins_ini();

/// The seed's three endpoints as 2.0 plugins whose handlers block in the repository's delay
/// (tests/plugins/blocking_seed_plugin.cpp): each request in a handler holds a worker.
std::string blocking_seed_plugins_ini();

/// The configuration of plugin `name` from `library`, as if read from "test.ini", its
/// section on line 1 and each of `settings` on the lines after it.
plugin_host::PluginConfig plugin_config(std::string name, std::filesystem::path library,
                                        std::map<std::string, std::string, std::less<>> settings = {});

/// Writes `ini_text` to <dir>/server.ini and loads it as the host would.
plugin_host::HostConfig write_and_load_config(const TempDir& dir, const std::string& ini_text);

/// The value of `sample` (a metric's name with its labels as the host writes them, e.g.
/// `plugin_host_requests_in_flight` or `plugin_host_requests_total{endpoint="POST /first",status="200"}`)
/// in Prometheus text; -1 if there is no such sample.
double metric_value(const std::string& text, const std::string& sample);

/// A Host built from `ini_text` and started; stopped and destroyed with this object.
class RunningHost {
public:
    explicit RunningHost(const std::string& ini_text);
    ~RunningHost();

    std::uint16_t port() const { return host_->port(); }
    plugin_host::Host& host() { return *host_; }

    /// metric_value() of the host's metrics now.
    double metric(const std::string& sample) const { return metric_value(host_->metrics_text(), sample); }

private:
    TempDir dir_;
    std::unique_ptr<plugin_host::Host> host_;
};

}  // namespace test_support
