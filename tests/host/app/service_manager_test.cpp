// Tests of what the plugin-host executable tells systemd (Type=notify) through
// $NOTIFY_SOCKET: ready once it serves, reloading around a SIGHUP, stopping.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <optional>
#include <system_error>

namespace {

using namespace std::chrono_literals;

/// The service manager's end: a datagram socket bound to `path`, as systemd makes for a unit.
class NotifySocket {
public:
    explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
        if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
            throw std::system_error(errno, std::generic_category(), "bind " + path.string());
        }
    }
    ~NotifySocket() { ::close(fd_); }

    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    /// The next message, if one arrives within `limit` (scaled for sanitizers).
    std::optional<std::string> receive(std::chrono::milliseconds limit = 10s) const {
        pollfd ready{fd_, POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(test_support::scaled(limit).count())) != 1) return std::nullopt;
        char buffer[512];
        const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (got < 0) return std::nullopt;
        return std::string(buffer, static_cast<std::size_t>(got));
    }

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

TEST(ServiceManager, ReadyOnceThePluginsServeReloadingAroundASighupAndStopping) {
    test_support::TempDir dir;
    const NotifySocket manager(dir / "notify");
    test_support::HostProcess host(0, test_support::seed_plugins_ini(), "",
                                   {.environment = {{"NOTIFY_SOCKET", manager.path().string()}}});

    EXPECT_EQ(manager.receive(), std::optional<std::string>("READY=1\nSTATUS=Serving 3 plugins")) << host.output();
    // Ready means ready: the port listens and the plugins answer, with no wait.
    EXPECT_EQ(test_support::post_json(host.port(), "/first", test_support::seed_body("first")).status, 200);

    host.signal(SIGHUP);
    EXPECT_EQ(manager.receive(), std::optional<std::string>("RELOADING=1\nSTATUS=Reloading the configuration"));
    EXPECT_EQ(manager.receive(), std::optional<std::string>("READY=1\nSTATUS=Serving 3 plugins"));

    host.signal(SIGTERM);
    EXPECT_EQ(manager.receive(),
              std::optional<std::string>("STOPPING=1\nSTATUS=Finishing requests in flight, then stopping"));
    EXPECT_EQ(host.wait(), 0);
}

}  // namespace
