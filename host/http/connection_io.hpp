#pragma once

#include "http/task.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace plugin_host {

class EventLoop;

/// Reads and writes one client connection, for the coroutine that serves it (a Task each
/// call). Every wait has a deadline and waits on the connection's own descriptor: through
/// its EventLoop, which resumes the coroutine on the loop thread, or, without a loop (tests,
/// tools), with poll(2) on the calling thread. Reads go through a buffer of the
/// connection's own, which holds no memory while it is empty and the connection waits
/// (an idle keep-alive connection costs no buffer). Another thread may shut the socket down
/// (the drain, the abort): a wait then ends at once, as the end of the stream or a failed
/// write; so does a wait while the loop stops.
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

    /// `loop`: the loop the connection's coroutine runs on; null to wait with poll(2).
    explicit ConnectionIo(int descriptor, EventLoop* loop = nullptr);

    ConnectionIo(const ConnectionIo&) = delete;
    ConnectionIo& operator=(const ConnectionIo&) = delete;

    int descriptor() const { return descriptor_; }

    /// Bytes received and not consumed yet.
    std::size_t buffered() const { return end_ - begin_; }

    /// Returns ok once at least one byte is buffered.
    Task<Status> wait_readable(Clock::time_point deadline);

    /// wait_readable() for the next request on a keep-alive connection: with nothing
    /// buffered, waits for the socket before it reads, where wait_readable() reads first.
    /// Right after an answer the client has rarely sent its next request: the read would
    /// find nothing, one system call a request for nothing (bench/run.py --scenario raw).
    Task<Status> wait_for_next(Clock::time_point deadline);

    /// The next line, without its line end (CRLF, or a bare LF where `end` allows it), valid
    /// until the next call. The line is consumed. too_long if no LF comes within `max` bytes.
    Task<Status> read_line(std::size_t max, Clock::time_point deadline, std::string_view& line,
                           LineEnd end = LineEnd::crlf_or_lf);

    /// Appends exactly `length` bytes to `out`, growing it by at most kReadPiece bytes ahead
    /// of what has arrived: a length the client announces costs nothing until it sends it.
    Task<Status> read_exact(std::size_t length, Clock::time_point deadline, std::string& out);

    /// The most a read makes room for beyond the bytes received.
    static constexpr std::size_t kReadPiece = 64 * 1024;

    /// Writes both parts (either may be empty), in order, before `deadline` (one system call
    /// when the socket takes it all). The bytes must stay valid until it returns.
    Task<Status> write(std::array<std::string_view, 2> parts, Clock::time_point deadline);

    /// Gives back memory a long request line or header made the buffer take; keeps what is
    /// buffered. Between requests.
    void shrink();

    /// Gives the whole buffer back if it holds nothing: before a wait that reads nothing (a
    /// handler's answer on its way).
    void release_if_empty();

    /// After an answer that leaves part of the request unread: stops sending, then reads and
    /// discards what the client still sends (at most 8 MiB, 2 s), so that closing does not
    /// reset the connection before the client has read the answer.
    Task<Status> linger_before_close();

private:
    /// Receives what the socket holds into the buffer, waiting until `deadline` if it holds
    /// nothing.
    Task<Status> fill(Clock::time_point deadline);
    Task<Status> wait(short events, Clock::time_point deadline) const;

    int descriptor_;
    EventLoop* loop_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;  ///< first unconsumed byte
    std::size_t end_ = 0;    ///< one past the last received byte
};

}  // namespace plugin_host
