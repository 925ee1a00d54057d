#include "http/acceptor.hpp"

#include <Poco/Exception.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace plugin_host {
namespace {

/// After accepting failed for want of a resource: how long until the next try.
constexpr int kRetryAfterMs = 50;

bool out_of_resources(int error) {
    return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

}  // namespace

Acceptor::Acceptor(Poco::Net::ServerSocket& socket, Admit admit, Poco::Logger& logger)
    : socket_(socket), admit_(std::move(admit)), logger_(logger) {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) throw Poco::SystemException(std::string("cannot make an eventfd: ") + std::strerror(errno));
    // Accepting until the queue is empty needs a listening socket that does not block.
    const int listening = socket_.impl()->sockfd();
    ::fcntl(listening, F_SETFL, ::fcntl(listening, F_GETFL) | O_NONBLOCK);
    try {
        thread_ = std::thread([this] { run(); });
    } catch (...) {
        ::close(wake_fd_);
        throw;
    }
}

Acceptor::~Acceptor() {
    stop();
    ::close(wake_fd_);
}

void Acceptor::stop() {
    if (!thread_.joinable()) return;
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
    thread_.join();
}

void Acceptor::run() {
    pollfd watched[2] = {{socket_.impl()->sockfd(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int timeout_ms = -1;
    for (;;) {
        watched[0].revents = watched[1].revents = 0;
        const int ready = ::poll(watched, 2, timeout_ms);
        if (ready < 0 && errno != EINTR) {
            logger_.error(std::string("Waiting for new connections failed: ") + std::strerror(errno));
            timeout_ms = kRetryAfterMs;
            continue;
        }
        if (watched[1].revents != 0) return;
        timeout_ms = accept_waiting() ? -1 : kRetryAfterMs;
    }
}

bool Acceptor::accept_waiting() {
    const int listening = socket_.impl()->sockfd();
    for (;;) {
        const int descriptor = ::accept4(listening, nullptr, nullptr, SOCK_CLOEXEC);
        if (descriptor < 0) {
            const int error = errno;
            if (error == EINTR || error == ECONNABORTED) continue;
            if (error == EAGAIN || error == EWOULDBLOCK) return true;
            const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
            if (now - failure_logged_at_ >= 10 || failure_logged_at_ == 0) {
                failure_logged_at_ = now;
                logger_.error(std::string("Cannot accept new connections: ") + std::strerror(error) +
                              (out_of_resources(error) ? "; they wait in the listen queue until descriptors or memory "
                                                         "are freed (see [server] max_connections and the open-file limit)"
                                                       : ""));
            }
            return false;
        }
        const int on = 1;
        ::setsockopt(descriptor, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        admit_(descriptor);
    }
}

}  // namespace plugin_host
