#pragma once

#include "support/temp_dir.hpp"
#include "support/test_host.hpp"

#include <Poco/Pipe.h>
#include <Poco/Process.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

/// How a HostProcess is started.
struct HostLaunch {
    /// Resource limits, as prlimit(1) options: "--nofile=1000:1000", "--nproc=300:300".
    std::vector<std::string> limits{};
    /// Run as this user and group id (the tests must run as root), through setpriv(1).
    std::optional<unsigned> run_as_user{};
    /// Variables added to the process's environment.
    std::map<std::string, std::string> environment{};
};

/// The plugin-host executable, running on a free loopback port with a server.ini of its own:
/// [server] (address 127.0.0.1, max_connections 32, plus `extra_server_keys`),
/// [repository] delay_ms, then `extra_ini` (by default the seed plugins). Its standard
/// output and error are collected. Killed, if still running, on destruction.
class HostProcess {
public:
    explicit HostProcess(int delay_ms, const std::string& extra_ini = seed_plugins_ini(),
                         const std::string& extra_server_keys = "", const HostLaunch& launch = {});
    ~HostProcess();

    HostProcess(const HostProcess&) = delete;
    HostProcess& operator=(const HostProcess&) = delete;

    /// The server.ini the process was started with.
    const std::string& config_text() const { return config_text_; }

    /// Replaces the process's server.ini (read again on SIGHUP).
    void rewrite_config(int delay_ms, const std::string& extra_ini, const std::string& extra_server_keys = "") const;

    /// Waits (at most 10 s, scaled for sanitizers) until GET /healthz answers 200.
    bool wait_until_healthy() const;

    /// Waits (at most 10 s, scaled) until GET /healthz answers anything; that status, or 0.
    int wait_until_listening() const;

    /// Waits (at most `limit`, scaled) until the output holds `text`.
    bool wait_for_output(const std::string& text, std::chrono::milliseconds limit = std::chrono::seconds(10)) const;

    /// metric_value() of GET /metrics now (the request counts itself in flight).
    double metric(const std::string& sample) const;

    void signal(int number) const;

    /// Waits for the process to exit; its exit code (128 + n if killed by signal n). From
    /// then on output() holds all the process wrote.
    int wait();

    /// The exit code if the process exits within `limit` (scaled for sanitizers), else
    /// nothing. Once it has exited, output() holds all the process wrote.
    std::optional<int> wait_for(std::chrono::milliseconds limit);

    std::uint16_t port() const { return port_; }
    int pid() const { return process_.id(); }
    const std::filesystem::path& folder() const { return dir_.path(); }

    /// The process's resident memory (VmRSS) in KiB; 0 once it has exited.
    std::size_t resident_kib() const { return status_kib("VmRSS:"); }

    /// The most resident memory the process has had so far (VmHWM) in KiB.
    std::size_t peak_resident_kib() const { return status_kib("VmHWM:"); }

    /// Everything it wrote to standard output and error so far.
    std::string output() const;

private:
    void exited(int status);  ///< records the exit code; returns once all output is read
    std::size_t status_kib(const std::string& field) const;
    std::string make_config_text(int delay_ms, const std::string& extra_ini, const std::string& extra_server_keys) const;

    TempDir dir_;
    std::uint16_t port_;
    std::filesystem::path config_;
    std::string config_text_;
    Poco::Pipe output_pipe_;
    Poco::ProcessHandle process_;
    std::optional<int> exit_code_;
    mutable std::mutex output_mutex_;
    std::string output_;
    std::thread output_reader_;
};

}  // namespace test_support
