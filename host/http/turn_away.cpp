#include "http/turn_away.hpp"

#include "http/http_exchange.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>

namespace plugin_host {
namespace {

/// How long a client has to start its request before it is answered anyway.
constexpr auto kRequestWait = std::chrono::seconds(1);
/// How long the rest of a client's request is read and discarded after the answer.
constexpr auto kLinger = std::chrono::seconds(1);

const std::string& busy_response() {
    static const std::string response =
        closing_error_bytes(503, "the server is at its connection capacity; retry in a second", {{"Retry-After", "1"}});
    return response;
}

bool would_block() { return errno == EAGAIN || errno == EWOULDBLOCK; }

}  // namespace

TurnAway::TurnAway() : wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot create an eventfd");
    thread_ = std::thread([this] { run(); });
}

TurnAway::~TurnAway() {
    stop();
    ::close(wake_fd_);
}

void TurnAway::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    for (const int descriptor : arriving_) ::close(descriptor);
    arriving_.clear();
}

void TurnAway::answer(int descriptor) {
    const std::string& response = busy_response();
    ::send(descriptor, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(descriptor, SHUT_WR);
}

void TurnAway::take(int descriptor) {
    count_.fetch_add(1, std::memory_order_relaxed);
    {
        std::lock_guard lock(mutex_);
        if (!stopping_ && arriving_.size() < kMaxWaiting) {
            arriving_.push_back(descriptor);
            const std::uint64_t one = 1;
            [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
            return;
        }
    }
    answer(descriptor);  // too many at once: answered now, closed without lingering
    ::close(descriptor);
}

bool TurnAway::serve(Waiting& connection, bool ready, Clock::time_point now) {
    char discard[4096];
    if (!connection.answered) {
        // The answer goes out once the request has begun to arrive (or the wait is over): a
        // client's HTTP library expects no bytes before it has sent its request.
        const ssize_t peeked = ready ? ::recv(connection.descriptor, discard, 1, MSG_PEEK | MSG_DONTWAIT) : -1;
        if (peeked == 0 || (peeked < 0 && ready && !would_block())) return true;  // the client is gone
        if (peeked < 0 && now < connection.deadline) return false;
        answer(connection.descriptor);
        connection.answered = true;
        connection.deadline = now + kLinger;
    }
    // Read what the client still sends; close when the client does, or after the linger.
    for (;;) {
        const ssize_t got = ::recv(connection.descriptor, discard, sizeof discard, MSG_DONTWAIT);
        if (got > 0) continue;
        return !(got < 0 && would_block() && now < connection.deadline);
    }
}

void TurnAway::run() {
    std::vector<Waiting> waiting;
    std::vector<pollfd> watched;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) break;
            for (const int descriptor : arriving_) waiting.push_back({descriptor, false, Clock::now() + kRequestWait});
            arriving_.clear();
        }
        watched.assign(1, pollfd{wake_fd_, POLLIN, 0});
        Clock::time_point next = Clock::now() + std::chrono::hours(1);
        for (const Waiting& connection : waiting) {
            watched.push_back(pollfd{connection.descriptor, POLLIN, 0});
            next = std::min(next, connection.deadline);
        }
        const auto timeout = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
        if (::poll(watched.data(), watched.size(), static_cast<int>(std::max<long long>(timeout, 0))) < 0 && errno != EINTR) {
            continue;
        }
        if (watched[0].revents != 0) {
            std::uint64_t wakes = 0;
            [[maybe_unused]] const ssize_t drained = ::read(wake_fd_, &wakes, sizeof wakes);
        }
        const Clock::time_point now = Clock::now();
        std::size_t index = 1;  // `watched` follows `waiting`, after the eventfd
        std::erase_if(waiting, [&](Waiting& connection) {
            const bool ready = watched[index++].revents != 0;
            if (!ready && now < connection.deadline) return false;
            if (!serve(connection, ready, now)) return false;
            ::close(connection.descriptor);
            return true;
        });
    }
    for (const Waiting& connection : waiting) ::close(connection.descriptor);
}

}  // namespace plugin_host
