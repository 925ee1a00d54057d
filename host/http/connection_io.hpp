#pragma once

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace plugin_host {

/// Reads and writes one client connection, for the thread that serves it. Every wait is
/// a poll(2) on the connection's own descriptor with a deadline, so no wait creates a
/// descriptor and none can outlast its deadline; reads go through a buffer of the
/// connection's own. Another thread may shut the socket down (the drain, the abort): a wait
/// then ends at once, as the end of the stream or a failed write.
///
/// Does not own the descriptor.
class ConnectionIo {
public:
    using Clock = std::chrono::steady_clock;

    enum class Status {
        ok,
        closed,     ///< the client closed its side (or the socket was shut down)
        timed_out,  ///< the deadline passed first
        too_long,   ///< read_line(): no line end within `max` bytes
        bare_lf,    ///< read_line() with LineEnd::crlf: the line ends in LF alone
        failed,     ///< a socket error (reset, broken pipe)
    };

    /// How a line may end: RFC 9112 lets a recipient take a bare LF for CRLF in the start
    /// line and the header fields (§2.2), never inside a chunked body (§7.1).
    enum class LineEnd { crlf_or_lf, crlf };

    explicit ConnectionIo(int descriptor);

    ConnectionIo(const ConnectionIo&) = delete;
    ConnectionIo& operator=(const ConnectionIo&) = delete;

    int descriptor() const { return descriptor_; }

    /// Bytes received and not consumed yet.
    std::size_t buffered() const { return end_ - begin_; }

    /// Returns ok once at least one byte is buffered.
    Status wait_readable(Clock::time_point deadline);

    /// The next line, without its line end (CRLF, or a bare LF where `end` allows it), valid
    /// until the next call. The line is consumed. too_long if no LF comes within `max` bytes.
    Status read_line(std::size_t max, Clock::time_point deadline, std::string_view& line,
                     LineEnd end = LineEnd::crlf_or_lf);

    /// Appends exactly `length` bytes to `out`, growing it by at most kReadPiece bytes ahead
    /// of what has arrived: a length the client announces costs nothing until it sends it.
    Status read_exact(std::size_t length, Clock::time_point deadline, std::string& out);

    /// The most a read makes room for beyond the bytes received.
    static constexpr std::size_t kReadPiece = 64 * 1024;

    /// Writes every part, in order, before `deadline` (one system call when the socket
    /// takes it all).
    Status write(std::initializer_list<std::string_view> parts, Clock::time_point deadline);

    /// Gives back memory a long request line or header made the buffer take; keeps what is
    /// buffered. Between requests.
    void shrink();

    /// After an answer that leaves part of the request unread: stops sending, then reads and
    /// discards what the client still sends (at most 8 MiB, 2 s), so that closing does not
    /// reset the connection before the client has read the answer.
    void linger_before_close();

private:
    /// Receives what the socket holds into the buffer, waiting until `deadline` if it holds
    /// nothing.
    Status fill(Clock::time_point deadline);
    Status wait(short events, Clock::time_point deadline) const;

    int descriptor_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;  ///< first unconsumed byte
    std::size_t end_ = 0;    ///< one past the last received byte
};

}  // namespace plugin_host
