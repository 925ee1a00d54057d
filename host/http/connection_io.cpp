#include "http/connection_io.hpp"

#include "http/event_loop.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace plugin_host {
namespace {

/// The buffer a connection starts with, and keeps between requests.
constexpr std::size_t kBufferSize = 4096;

int milliseconds_until(ConnectionIo::Clock::time_point deadline) {
    const auto left = deadline - ConnectionIo::Clock::now();
    if (left <= ConnectionIo::Clock::duration::zero()) return 0;
    const auto millis = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::min<long long>(millis, 24LL * 3600 * 1000));
}

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

}  // namespace

ConnectionIo::ConnectionIo(int descriptor, EventLoop* loop) : descriptor_(descriptor), loop_(loop) {}

Task<ConnectionIo::Status> ConnectionIo::wait(short events, Clock::time_point deadline) const {
    if (loop_ != nullptr) {
        EventLoop::Wait ready = events == POLLIN ? loop_->readable(descriptor_, deadline)
                                                 : loop_->writable(descriptor_, deadline);
        const EventLoop::Woken woken = co_await ready;
        switch (woken) {
        case EventLoop::Woken::ready: co_return Status::ok;  // ready, hung up or failed: the next call says
        case EventLoop::Woken::timed_out: co_return Status::timed_out;
        case EventLoop::Woken::stopping: co_return Status::closed;
        }
    }
    pollfd watched{descriptor_, events, 0};
    for (;;) {
        const int ready = ::poll(&watched, 1, milliseconds_until(deadline));
        if (ready > 0) co_return Status::ok;
        if (ready == 0) co_return Status::timed_out;
        if (errno != EINTR) co_return Status::failed;
    }
}

Task<ConnectionIo::Status> ConnectionIo::fill(Clock::time_point deadline) {
    if (begin_ == end_) begin_ = end_ = 0;
    if (buffer_.empty()) buffer_.resize(kBufferSize);
    if (end_ == buffer_.size()) {
        if (begin_ > 0) {
            std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        } else {
            buffer_.resize(buffer_.size() * 2);
        }
    }
    for (;;) {
        const ssize_t got = ::recv(descriptor_, buffer_.data() + end_, buffer_.size() - end_, MSG_DONTWAIT);
        if (got > 0) {
            end_ += static_cast<std::size_t>(got);
            co_return Status::ok;
        }
        if (got == 0) co_return Status::closed;
        if (errno == EINTR) continue;
        if (!would_block(errno)) co_return errno == ECONNRESET ? Status::closed : Status::failed;
        // Nothing buffered: the wait (an idle keep-alive connection's, most often) holds no buffer.
        if (end_ == 0) std::vector<char>().swap(buffer_);
        if (const Status waited = co_await wait(POLLIN, deadline); waited != Status::ok) co_return waited;
        if (buffer_.empty()) buffer_.resize(kBufferSize);
    }
}

Task<ConnectionIo::Status> ConnectionIo::wait_readable(Clock::time_point deadline) {
    if (buffered() > 0) co_return Status::ok;
    co_return co_await fill(deadline);
}

Task<ConnectionIo::Status> ConnectionIo::wait_for_next(Clock::time_point deadline) {
    if (buffered() > 0) co_return Status::ok;
    release_if_empty();  // an idle connection holds no buffer
    if (const Status waited = co_await wait(POLLIN, deadline); waited != Status::ok) co_return waited;
    co_return co_await fill(deadline);
}

Task<ConnectionIo::Status> ConnectionIo::read_line(std::size_t max, Clock::time_point deadline, std::string_view& line,
                                                   LineEnd end) {
    std::size_t searched = 0;  // bytes of the buffered data known to hold no LF
    for (;;) {
        const char* const first = buffer_.data() + begin_;
        const std::size_t available = std::min(buffered(), max + 2);  // the line, its CR and LF
        if (const void* lf = std::memchr(first + searched, '\n', available - searched)) {
            const std::size_t length = static_cast<std::size_t>(static_cast<const char*>(lf) - first);
            begin_ += length + 1;
            line = std::string_view(first, length);
            if (line.ends_with('\r')) {
                line.remove_suffix(1);
            } else if (end == LineEnd::crlf) {
                co_return Status::bare_lf;
            }
            if (line.size() > max) co_return Status::too_long;
            co_return Status::ok;
        }
        if (available == max + 2) co_return Status::too_long;
        searched = available;
        if (const Status filled = co_await fill(deadline); filled != Status::ok) co_return filled;
    }
}

Task<ConnectionIo::Status> ConnectionIo::read_exact(std::size_t length, Clock::time_point deadline, std::string& out) {
    const std::size_t from_buffer = std::min(length, buffered());
    out.append(buffer_.data() + begin_, from_buffer);
    begin_ += from_buffer;
    std::size_t missing = length - from_buffer;
    if (missing == 0) co_return Status::ok;

    // Straight into `out`, a piece at a time: a large body is not copied through the
    // buffer, and `out` grows only as bytes arrive.
    std::size_t filled = out.size();
    for (;;) {
        const std::size_t piece = std::min(missing, kReadPiece);
        out.resize(filled + piece);
        const ssize_t got = ::recv(descriptor_, out.data() + filled, piece, MSG_DONTWAIT);
        Status status = Status::ok;
        if (got > 0) {
            filled += static_cast<std::size_t>(got);
            missing -= static_cast<std::size_t>(got);
        } else if (got == 0) {
            status = Status::closed;
        } else if (errno == EINTR) {
            // interrupted before anything arrived: receive again
        } else if (would_block(errno)) {
            out.resize(filled);  // nothing of the piece arrived: the wait holds no memory for it
            status = co_await wait(POLLIN, deadline);
        } else if (errno != ECONNRESET) {
            status = Status::failed;
        } else {
            status = Status::closed;
        }
        out.resize(filled);
        if (status != Status::ok) co_return status;
        if (missing == 0) co_return Status::ok;
    }
}

Task<ConnectionIo::Status> ConnectionIo::write(std::array<std::string_view, 2> parts, Clock::time_point deadline) {
    std::array<iovec, 2> vectors{};
    std::size_t count = 0;
    for (const std::string_view part : parts) {
        if (!part.empty()) vectors[count++] = iovec{const_cast<char*>(part.data()), part.size()};
    }
    iovec* next = vectors.data();
    while (count > 0) {
        msghdr message{};
        message.msg_iov = next;
        message.msg_iovlen = count;
        const ssize_t sent = ::sendmsg(descriptor_, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0) {
            if (errno == EINTR) continue;
            if (!would_block(errno)) co_return Status::failed;
            if (const Status waited = co_await wait(POLLOUT, deadline); waited != Status::ok) co_return waited;
            continue;
        }
        auto left = static_cast<std::size_t>(sent);
        while (count > 0 && left >= next->iov_len) {
            left -= next->iov_len;
            ++next;
            --count;
        }
        if (count > 0) {
            next->iov_base = static_cast<char*>(next->iov_base) + left;
            next->iov_len -= left;
        }
    }
    co_return Status::ok;
}

void ConnectionIo::shrink() {
    if (buffer_.size() <= kBufferSize || buffered() > kBufferSize) return;
    std::vector<char> smaller(kBufferSize);
    std::memcpy(smaller.data(), buffer_.data() + begin_, buffered());
    end_ = buffered();
    begin_ = 0;
    buffer_.swap(smaller);
}

void ConnectionIo::release_if_empty() {
    if (begin_ != end_) return;
    begin_ = end_ = 0;
    std::vector<char>().swap(buffer_);
}

Task<ConnectionIo::Status> ConnectionIo::linger_before_close() {
    constexpr std::size_t kMaxDiscarded = 8 * 1024 * 1024;
    constexpr auto kMaxLinger = std::chrono::seconds(2);
    constexpr auto kQuiet = std::chrono::milliseconds(200);  // a client silent this long is done
    ::shutdown(descriptor_, SHUT_WR);
    begin_ = end_ = 0;
    const auto until = Clock::now() + kMaxLinger;
    std::size_t discarded = 0;
    while (discarded < kMaxDiscarded) {
        const auto now = Clock::now();
        if (now >= until) break;
        if (const Status read = co_await fill(std::min(until, now + kQuiet)); read != Status::ok) co_return read;
        discarded += buffered();
        begin_ = end_ = 0;
    }
    co_return Status::ok;
}

}  // namespace plugin_host
