#include "support/host_process.hpp"

#include "support/eventually.hpp"
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
                         const HostLaunch& launch)
    : port_(free_port()),
      config_(dir_ / "server.ini"),
      process_([&] {
          config_text_ = make_config_text(delay_ms, extra_ini, extra_server_keys);
          std::ofstream(config_) << config_text_;
          std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
          std::filesystem::permissions(config_, std::filesystem::perms(0644));
          // prlimit [limits] -- setpriv [user] -- plugin-host --config FILE, each part if needed.
          std::vector<std::string> command;
          if (!launch.limits.empty()) {
              command.push_back("prlimit");
              command.insert(command.end(), launch.limits.begin(), launch.limits.end());
              command.push_back("--");
          }
          if (launch.run_as_user) {
              const std::string id = std::to_string(*launch.run_as_user);
              command.insert(command.end(), {"setpriv", "--reuid", id, "--regid", id, "--clear-groups", "--"});
          }
          command.insert(command.end(), {test_paths::kHostExecutable, "--config", config_.string()});
          const std::string program = command.front();
          command.erase(command.begin());
          return Poco::Process::launch(program, command, "", nullptr, &output_pipe_, &output_pipe_,
                                       launch.environment);
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
    if (output_reader_.joinable()) output_reader_.join();
}

void HostProcess::exited(int status) {
    exit_code_ = exit_code_of(status);
    // The process is gone, so its end of the pipe is closed: the reader ends once it has
    // taken the last lines, and output() then holds everything the process wrote.
    output_reader_.join();
}

std::string HostProcess::make_config_text(int delay_ms, const std::string& extra_ini,
                                     const std::string& extra_server_keys) const {
    return "[server]\naddress = 127.0.0.1\nport = " + std::to_string(port_) + "\n" +
           server_keys({"max_connections = 32"}, extra_server_keys) + "[repository]\ndelay_ms = " +
           std::to_string(delay_ms) + "\n" + extra_ini;
}

void HostProcess::rewrite_config(int delay_ms, const std::string& extra_ini, const std::string& extra_server_keys) const {
    std::ofstream(config_) << make_config_text(delay_ms, extra_ini, extra_server_keys);
}

int HostProcess::wait_until_listening() const {
    int status = 0;
    eventually(
        [&] {
            try {
                status = send_request(port_, "GET", "/healthz").status;
            } catch (const Poco::Exception&) {
            }
            return status != 0;
        },
        std::chrono::seconds(10));
    return status;
}

bool HostProcess::wait_until_healthy() const {
    return eventually(
        [&] {
            try {
                return send_request(port_, "GET", "/healthz").status == 200;
            } catch (const Poco::Exception&) {
                return false;
            }
        },
        std::chrono::seconds(10));
}

bool HostProcess::wait_for_output(const std::string& text, std::chrono::milliseconds limit) const {
    return eventually([&] { return output().find(text) != std::string::npos; }, limit);
}

double HostProcess::metric(const std::string& sample) const {
    return metric_value(send_request(port_, "GET", "/metrics").body, sample);
}

void HostProcess::signal(int number) const { ::kill(process_.id(), number); }

int HostProcess::wait() {
    if (!exit_code_) {
        int status = 0;
        while (::waitpid(process_.id(), &status, 0) < 0 && errno == EINTR) {
        }
        exited(status);
    }
    return *exit_code_;
}

std::optional<int> HostProcess::wait_for(std::chrono::milliseconds limit) {
    eventually(
        [&] {
            int status = 0;
            if (!exit_code_ && ::waitpid(process_.id(), &status, WNOHANG) == process_.id()) exited(status);
            return exit_code_.has_value();
        },
        limit);
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
