#include "http/connection_io.hpp"

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

ConnectionIo::ConnectionIo(int descriptor) : descriptor_(descriptor), buffer_(kBufferSize) {}

ConnectionIo::Status ConnectionIo::wait(short events, Clock::time_point deadline) const {
    pollfd watched{descriptor_, events, 0};
    for (;;) {
        const int ready = ::poll(&watched, 1, milliseconds_until(deadline));
        if (ready > 0) return Status::ok;  // readable, writable, hung up or failed: the next call says
        if (ready == 0) return Status::timed_out;
        if (errno != EINTR) return Status::failed;
    }
}

ConnectionIo::Status ConnectionIo::fill(Clock::time_point deadline) {
    if (begin_ == end_) begin_ = end_ = 0;
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
            return Status::ok;
        }
        if (got == 0) return Status::closed;
        if (errno == EINTR) continue;
        if (!would_block(errno)) return errno == ECONNRESET ? Status::closed : Status::failed;
        if (const Status waited = wait(POLLIN, deadline); waited != Status::ok) return waited;
    }
}

ConnectionIo::Status ConnectionIo::wait_readable(Clock::time_point deadline) {
    return buffered() > 0 ? Status::ok : fill(deadline);
}

ConnectionIo::Status ConnectionIo::read_line(std::size_t max, Clock::time_point deadline, std::string_view& line,
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
                return Status::bare_lf;
            }
            if (line.size() > max) return Status::too_long;
            return Status::ok;
        }
        if (available == max + 2) return Status::too_long;
        searched = available;
        if (const Status filled = fill(deadline); filled != Status::ok) return filled;
    }
}

ConnectionIo::Status ConnectionIo::read_exact(std::size_t length, Clock::time_point deadline, std::string& out) {
    const std::size_t from_buffer = std::min(length, buffered());
    out.append(buffer_.data() + begin_, from_buffer);
    begin_ += from_buffer;
    std::size_t missing = length - from_buffer;
    if (missing == 0) return Status::ok;

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
            status = wait(POLLIN, deadline);
        } else if (errno != ECONNRESET) {
            status = Status::failed;
        } else {
            status = Status::closed;
        }
        out.resize(filled);
        if (status != Status::ok) return status;
        if (missing == 0) return Status::ok;
    }
}

ConnectionIo::Status ConnectionIo::write(std::initializer_list<std::string_view> parts, Clock::time_point deadline) {
    std::array<iovec, 4> vectors{};
    std::size_t count = 0;
    for (const std::string_view part : parts) {
        if (part.empty()) continue;
        if (count == vectors.size()) return Status::failed;  // more parts than any caller has
        vectors[count++] = iovec{const_cast<char*>(part.data()), part.size()};
    }
    iovec* next = vectors.data();
    while (count > 0) {
        msghdr message{};
        message.msg_iov = next;
        message.msg_iovlen = count;
        const ssize_t sent = ::sendmsg(descriptor_, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0) {
            if (errno == EINTR) continue;
            if (!would_block(errno)) return Status::failed;
            if (const Status waited = wait(POLLOUT, deadline); waited != Status::ok) return waited;
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
    return Status::ok;
}

void ConnectionIo::shrink() {
    if (buffer_.size() == kBufferSize || buffered() > kBufferSize) return;
    std::vector<char> smaller(kBufferSize);
    std::memcpy(smaller.data(), buffer_.data() + begin_, buffered());
    end_ = buffered();
    begin_ = 0;
    buffer_.swap(smaller);
}

void ConnectionIo::linger_before_close() {
    constexpr std::size_t kMaxDiscarded = 8 * 1024 * 1024;
    constexpr auto kMaxLinger = std::chrono::seconds(2);
    constexpr auto kQuiet = std::chrono::milliseconds(200);  // a client silent this long is done
    ::shutdown(descriptor_, SHUT_WR);
    begin_ = end_ = 0;
    const auto until = Clock::now() + kMaxLinger;
    std::size_t discarded = 0;
    while (discarded < kMaxDiscarded) {
        const auto now = Clock::now();
        if (now >= until || fill(std::min(until, now + kQuiet)) != Status::ok) return;
        discarded += buffered();
        begin_ = end_ = 0;
    }
}

}  // namespace plugin_host
