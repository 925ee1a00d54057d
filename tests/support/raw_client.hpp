#pragma once

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace test_support {

/// A TCP connection to 127.0.0.1:<port> that sends whatever a test wants, for requests no
/// HTTP client library would send. Used by one thread at a time, except that send_slowly()
/// and send_stream() may run on a writer thread while another thread reads.
class RawClient {
public:
    /// Connects; with `receive_buffer` (bytes), the socket's receive buffer is that small;
    /// with `from`, from that loopback address (127.0.0.2, say) instead of 127.0.0.1.
    explicit RawClient(std::uint16_t port, int receive_buffer = 0, const std::string& from = "");

    /// Sends `bytes`; false if the server has closed or reset the connection.
    bool send(std::string_view bytes);

    /// Sends `bytes` one at a time, `pause` apart; stops early (returning false) when the
    /// server closes the connection or `limit` passes.
    bool send_slowly(std::string_view bytes, std::chrono::milliseconds pause, std::chrono::milliseconds limit);

    /// Sends `block` `count` times; stops early (returning false) when the server closes the connection.
    bool send_repeated(std::string_view block, std::size_t count);

    /// Stops sending (the server sees the end of the request stream).
    void finish_sending();

    /// Reads until the server closes the connection or `limit` passes.
    struct Received {
        std::string bytes;
        bool closed = false;                ///< the server closed (or reset) the connection
        std::chrono::milliseconds after{};  ///< when reading stopped, since the call
    };
    Received read_until_closed(std::chrono::milliseconds limit);

    /// Reads until `count` complete responses (by Content-Length) have arrived, the server
    /// closes, or `limit` passes.
    Received read_responses(std::size_t count, std::chrono::milliseconds limit);

private:
    Poco::Net::StreamSocket socket_;
};

/// One response taken apart.
struct RawResponse {
    int status = 0;
    std::string head;  ///< status line and headers
    std::string body;
};

/// The responses in `bytes`, in order: each ends after its Content-Length body, one without
/// Content-Length at the end of `bytes`. A partial response at the end is left out.
std::vector<RawResponse> parse_responses(std::string_view bytes);

}  // namespace test_support
