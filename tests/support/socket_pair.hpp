#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string_view>
#include <utility>

namespace test_support {

/// A connected pair of stream sockets: `server()` for the code under test (a ConnectionIo),
/// `client()` for the test's bytes. Both closed on destruction.
class SocketPair {
public:
    SocketPair() {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends_) != 0) throw std::runtime_error("socketpair");
    }
    ~SocketPair() {
        if (ends_[0] >= 0) ::close(ends_[0]);
        ::close(ends_[1]);
    }
    SocketPair(const SocketPair&) = delete;
    SocketPair& operator=(const SocketPair&) = delete;

    int server() const { return ends_[0]; }

    /// Hands the server end over to the code under test, which closes it.
    int give_server() { return std::exchange(ends_[0], -1); }
    int client() const { return ends_[1]; }

    /// Sends `bytes` from the client end (all of it fits the socket buffer in these tests).
    void send(std::string_view bytes) const {
        while (!bytes.empty()) {
            const ssize_t sent = ::send(ends_[1], bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (sent <= 0) throw std::runtime_error("send");
            bytes.remove_prefix(static_cast<std::size_t>(sent));
        }
    }

    /// The client stops sending: the server end reads the end of the stream.
    void finish_sending() const { ::shutdown(ends_[1], SHUT_WR); }

private:
    int ends_[2] = {-1, -1};
};

}  // namespace test_support
