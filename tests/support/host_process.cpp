#include "support/host_process.hpp"

#include "support/http_client.hpp"
#include "test_paths.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/PipeStream.h>

#include <sys/wait.h>

#include <array>
#include <csignal>
#include <fstream>

namespace test_support {
namespace {

std::uint16_t free_port() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

HostProcess::HostProcess(int delay_ms, const std::string& extra_ini, const std::string& extra_server_keys,
                         std::optional<unsigned> run_as_user)
    : port_(free_port()),
      config_(dir_ / "server.ini"),
      process_([&] {
          std::ofstream(config_) << config_text(delay_ms, extra_ini, extra_server_keys);
          std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
          std::filesystem::permissions(config_, std::filesystem::perms(0644));
          if (!run_as_user) {
              return Poco::Process::launch(test_paths::kHostExecutable, {"--config", config_.string()}, nullptr,
                                           &output_pipe_, &output_pipe_);
          }
          const std::string id = std::to_string(*run_as_user);
          return Poco::Process::launch("setpriv",
                                       {"--reuid", id, "--regid", id, "--clear-groups", test_paths::kHostExecutable,
                                        "--config", config_.string()},
                                       nullptr, &output_pipe_, &output_pipe_);
      }()) {
    output_pipe_.close(Poco::Pipe::CLOSE_WRITE);
    output_reader_ = std::thread([this] {
        std::array<char, 4096> buffer{};
        for (;;) {
            const int got = output_pipe_.readBytes(buffer.data(), static_cast<int>(buffer.size()));
            if (got <= 0) break;
            std::lock_guard lock(output_mutex_);
            output_.append(buffer.data(), static_cast<std::size_t>(got));
        }
    });
}

HostProcess::~HostProcess() {
    if (!exit_code_) {
        ::kill(process_.id(), SIGKILL);
        wait();
    }
    output_reader_.join();
}

std::string HostProcess::config_text(int delay_ms, const std::string& extra_ini,
                                     const std::string& extra_server_keys) const {
    return "[server]\naddress = 127.0.0.1\nport = " + std::to_string(port_) + "\nmax_connections = 32\n" +
           extra_server_keys + "[repository]\ndelay_ms = " + std::to_string(delay_ms) + "\n" + extra_ini;
}

void HostProcess::rewrite_config(int delay_ms, const std::string& extra_ini, const std::string& extra_server_keys) const {
    std::ofstream(config_) << config_text(delay_ms, extra_ini, extra_server_keys);
}

int HostProcess::wait_until_listening() const {
    for (int attempt = 0; attempt < 100; ++attempt) {
        try {
            return send_request(port_, "GET", "/healthz").status;
        } catch (const Poco::Exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
}

bool HostProcess::wait_until_healthy() const {
    for (int attempt = 0; attempt < 100; ++attempt) {
        try {
            if (send_request(port_, "GET", "/healthz").status == 200) return true;
        } catch (const Poco::Exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

void HostProcess::signal(int number) const { ::kill(process_.id(), number); }

int HostProcess::wait() {
    if (!exit_code_) {
        int status = 0;
        while (::waitpid(process_.id(), &status, 0) < 0 && errno == EINTR) {
        }
        exit_code_ = exit_code_of(status);
    }
    return *exit_code_;
}

std::optional<int> HostProcess::wait_for(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!exit_code_) {
        int status = 0;
        if (::waitpid(process_.id(), &status, WNOHANG) == process_.id()) {
            exit_code_ = exit_code_of(status);
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exit_code_;
}

std::size_t HostProcess::status_kib(const std::string& field) const {
    std::ifstream status("/proc/" + std::to_string(process_.id()) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.starts_with(field)) return std::stoul(line.substr(field.size()));
    }
    return 0;
}

std::string HostProcess::output() const {
    std::lock_guard lock(output_mutex_);
    return output_;
}

}  // namespace test_support
