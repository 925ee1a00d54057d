// The connection gate's watchdog alone, over loopback TCP: connections admitted that no
// thread serves get their 408 and the end of the stream when their header deadline passes,
// and a client that never reads (so that its connection cannot take another byte) holds
// none of the others up: the watchdog never blocks writing to it.
#include "http/connection_gate.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/log_capture.hpp"

#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/SocketImpl.h>
#include <Poco/Net/StreamSocket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <cerrno>
#include <string>
#include <vector>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using test_support::scaled;
using Clock = std::chrono::steady_clock;

const std::chrono::milliseconds kDeadline = scaled(300ms);  ///< first_header_deadline
constexpr std::chrono::milliseconds kTick = 10ms;
/// How late after its deadline a connection may be answered: a tick and the scheduling.
const std::chrono::milliseconds kMargin = scaled(1000ms);
/// How long a test waits for an answer past the deadline before it gives up on it.
const std::chrono::milliseconds kGiveUp = scaled(3000ms);

int descriptor(const Poco::Net::StreamSocket& socket) { return socket.impl()->sockfd(); }

/// What a client receives until the end of the stream or a reset (`closed`, at `when`), or
/// until `until` passes.
struct Received {
    std::string bytes;
    bool closed = false;
    Clock::time_point when{};
};

Received receive_until(int client, Clock::time_point until) {
    Received received;
    char buffer[16384];
    while (Clock::now() < until) {
        pollfd watched{client, POLLIN, 0};
        if (::poll(&watched, 1, 10) <= 0) continue;
        const ssize_t got = ::recv(client, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (got <= 0) {
            received.closed = true;
            received.when = Clock::now();
            break;
        }
        received.bytes.append(buffer, static_cast<std::size_t>(got));
    }
    return received;
}

/// Sends from `server_end` until it takes no more, in blocks then byte by byte; the bytes
/// sent, or -1 on an error other than a full buffer.
long send_until_refused(int server_end) {
    const std::string block(4096, 'x');
    long sent = 0;
    for (const std::size_t size : {block.size(), std::size_t{1}}) {
        for (;;) {
            const ssize_t now = ::send(server_end, block.data(), size, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (now > 0) {
                sent += now;
            } else if (now == 0 || errno != EINTR) {
                if (now < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                return -1;
            }
        }
    }
    return sent;
}

/// Fills the send buffer of `server_end`, whose client never reads, for good: until it
/// takes no byte more while nothing it sent awaits an acknowledgement (one arriving later
/// would make room again). The bytes sent; 0 if it could not be done.
std::size_t fill_send_buffer(int server_end) {
    std::size_t filled = 0;
    const bool full = test_support::eventually([&] {
        tcp_info info{};
        socklen_t length = sizeof info;
        if (::getsockopt(server_end, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return false;
        const long sent = send_until_refused(server_end);
        if (sent > 0) filled += static_cast<std::size_t>(sent);
        return sent == 0 && info.tcpi_unacked == 0;
    });
    return full ? filled : 0;
}

/// A gate with no capacity limit and a short header deadline, and a loopback listener whose
/// accepted connections the test hands to it, never attached: all stay queued, as
/// connections waiting for a thread.
class GateWatchdog : public ::testing::Test {
protected:
    GateWatchdog() {
        accepted_.reserve(16);
        clients_.reserve(16);
    }

    ~GateWatchdog() override {
        // A watchdog blocked writing to a client that does not read would never stop:
        // closing the clients resets their connections, which ends such a write.
        for (auto& client : clients_) client.close();
        gate_->stop();
        for (std::size_t i = admitted_.size(); i < accepted_.size(); ++i) ::close(accepted_[i]);
    }

    /// Connects a client, with a receive buffer of `receive_buffer` bytes if not 0, and
    /// accepts its connection; the connection's index in accepted_ and clients_.
    std::size_t connect(int receive_buffer = 0) {
        Poco::Net::StreamSocket client(Poco::Net::SocketAddress::IPv4);
        if (receive_buffer > 0) client.setReceiveBufferSize(receive_buffer);  // before connecting: the window follows it
        client.connect(listener_.address());
        clients_.push_back(client);
        accepted_.push_back(::accept4(listener_.impl()->sockfd(), nullptr, nullptr, SOCK_CLOEXEC));
        return clients_.size() - 1;
    }

    /// Hands the last connection accepted to the gate, as the acceptor does; true if it
    /// was admitted.
    bool admit() {
        std::optional<Poco::Net::StreamSocket> socket = gate_->accept(accepted_.back());
        if (!socket) return false;
        admitted_.push_back(std::move(*socket));
        return true;
    }

    std::size_t closed_in_log() const {
        const auto lines = log_.lines();
        return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [](const std::string& line) {
            return line.find("Closed a connection that waited") != std::string::npos;
        }));
    }

    test_support::LogCapture log_;
    ConnectionGate::Ptr gate_{new ConnectionGate({.capacity = 0, .first_header_deadline = kDeadline, .tick = kTick},
                                                 Poco::Logger::get("GateWatchdogTest"))};
    Poco::Net::ServerSocket listener_{Poco::Net::SocketAddress("127.0.0.1", 0)};
    /// The server ends' descriptors, in the order of connect().
    std::vector<int> accepted_;
    /// The server ends the gate admitted, held as a connection waiting for a thread is held:
    /// the gate forgets one whose socket only it still holds.
    std::vector<Poco::Net::StreamSocket> admitted_;
    std::vector<Poco::Net::StreamSocket> clients_;
};

TEST_F(GateWatchdog, AClientThatNeverReadsDelaysNoOtherConnectionsHeaderDeadline) {
    // The stuck connection: its client never reads, and the server end's send buffer is
    // full before it is admitted, so a 408 written without MSG_DONTWAIT would wait forever.
    const std::size_t stuck = connect(4096);
    const int send_buffer = 4096;
    ASSERT_EQ(::setsockopt(accepted_[stuck], SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer), 0);
    const std::size_t filled = fill_send_buffer(accepted_[stuck]);
    ASSERT_GT(filled, 0u) << "could not fill the stuck connection's send buffer";
    ASSERT_TRUE(admit());

    // Connections admitted after it, so their deadlines come after its deadline.
    constexpr std::size_t kOthers = 5;
    std::vector<std::size_t> others;
    std::vector<Clock::time_point> admitted;
    for (std::size_t i = 0; i < kOthers; ++i) {
        others.push_back(connect());
        admitted.push_back(Clock::now());
        ASSERT_TRUE(admit());
    }
    EXPECT_EQ(gate_->open_connections(), kOthers + 1);

    for (std::size_t i = 0; i < kOthers; ++i) {
        const Received received = receive_until(descriptor(clients_[others[i]]), admitted[i] + kDeadline + kGiveUp);
        EXPECT_TRUE(received.bytes.starts_with("HTTP/1.1 408")) << "connection " << i << " received: '" << received.bytes << "'";
        ASSERT_TRUE(received.closed) << "connection " << i << ": no end of the stream " << (kDeadline + kGiveUp).count()
                                     << " ms after its admission (deadline " << kDeadline.count()
                                     << " ms): the watchdog is held up";
        const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(received.when - admitted[i]);
        EXPECT_GE(after, kDeadline) << "connection " << i << " was closed before its deadline";
        EXPECT_LE(after, kDeadline + kMargin) << "connection " << i << " was closed " << after.count()
                                              << " ms after its admission, deadline " << kDeadline.count() << " ms";
    }

    // The stuck connection was closed too, without its answer: once its client reads what
    // was sent before, it sees the end of the stream.
    EXPECT_TRUE(test_support::eventually([&] { return closed_in_log() == kOthers + 1; }, 1000ms))
        << closed_in_log() << " connections closed by the watchdog, not " << kOthers + 1;
    const Received drained = receive_until(descriptor(clients_[stuck]), Clock::now() + kGiveUp);
    EXPECT_TRUE(drained.closed) << "the stuck connection is still open after " << drained.bytes.size() << " bytes";
    EXPECT_GE(drained.bytes.size(), filled);

    gate_->stop();
}

}  // namespace
}  // namespace plugin_host
