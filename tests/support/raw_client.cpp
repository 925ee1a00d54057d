#include "support/raw_client.hpp"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>

#include <array>
#include <cstdlib>
#include <limits>
#include <thread>

namespace test_support {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

/// The end of the response starting at `at` in `bytes` (npos if incomplete), and its parts.
std::size_t take_response(std::string_view bytes, std::size_t at, RawResponse& response) {
    const std::size_t head_end = bytes.find("\r\n\r\n", at);
    if (head_end == std::string_view::npos) return std::string_view::npos;
    response.head = std::string(bytes.substr(at, head_end - at));
    response.status = 0;
    const std::size_t space = response.head.find(' ');
    if (space != std::string::npos) response.status = std::atoi(response.head.c_str() + space + 1);
    const std::size_t body_at = head_end + 4;
    if (response.status < 200 || response.status == 204 || response.status == 304) {  // never a body
        response.body.clear();
        return body_at;
    }
    std::size_t length = std::string_view::npos;
    const std::string lower = Poco::toLower(response.head);
    const std::size_t field = lower.find("\r\ncontent-length:");
    if (field != std::string::npos) length = std::strtoul(lower.c_str() + field + 17, nullptr, 10);
    if (length == std::string_view::npos) {  // ends with the connection
        response.body = std::string(bytes.substr(body_at));
        return bytes.size();
    }
    if (bytes.size() - body_at < length) return std::string_view::npos;
    response.body = std::string(bytes.substr(body_at, length));
    return body_at + length;
}

}  // namespace

RawClient::RawClient(std::uint16_t port, int receive_buffer, const std::string& from)
    : socket_(Poco::Net::SocketAddress::IPv4) {
    if (receive_buffer > 0) socket_.setReceiveBufferSize(receive_buffer);  // before connecting: the window follows it
    if (!from.empty()) socket_.impl()->bind(Poco::Net::SocketAddress(from, 0), false);
    socket_.connect(Poco::Net::SocketAddress("127.0.0.1", port));
    socket_.setReceiveTimeout(Poco::Timespan(0, 20000));
}

bool RawClient::send(std::string_view bytes) {
    try {
        while (!bytes.empty()) {
            const int sent = socket_.sendBytes(bytes.data(), static_cast<int>(std::min<std::size_t>(bytes.size(), 1 << 20)));
            if (sent <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(sent));
        }
        return true;
    } catch (const Poco::Exception&) {
        return false;
    }
}

bool RawClient::send_slowly(std::string_view bytes, std::chrono::milliseconds pause, std::chrono::milliseconds limit) {
    const auto started = Clock::now();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (since(started) > limit || !send(bytes.substr(i, 1))) return false;
        std::this_thread::sleep_for(pause);
    }
    return true;
}

bool RawClient::send_repeated(std::string_view block, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        if (!send(block)) return false;
    }
    return true;
}

void RawClient::finish_sending() {
    try {
        socket_.shutdownSend();
    } catch (const Poco::Exception&) {
    }
}

RawClient::Received RawClient::read_until_closed(std::chrono::milliseconds limit) {
    return read_responses(std::numeric_limits<std::size_t>::max(), limit);
}

RawClient::Received RawClient::read_responses(std::size_t count, std::chrono::milliseconds limit) {
    Received received;
    const auto started = Clock::now();
    std::array<char, 65536> buffer{};
    while (since(started) < limit) {
        if (count != std::numeric_limits<std::size_t>::max() && parse_responses(received.bytes).size() >= count) break;
        try {
            const int got = socket_.receiveBytes(buffer.data(), static_cast<int>(buffer.size()));
            if (got <= 0) {
                received.closed = true;
                break;
            }
            received.bytes.append(buffer.data(), static_cast<std::size_t>(got));
        } catch (const Poco::TimeoutException&) {
        } catch (const Poco::Exception&) {  // reset
            received.closed = true;
            break;
        }
    }
    received.after = since(started);
    return received;
}

std::vector<RawResponse> parse_responses(std::string_view bytes) {
    std::vector<RawResponse> responses;
    std::size_t at = 0;
    while (at < bytes.size()) {
        RawResponse response;
        const std::size_t end = take_response(bytes, at, response);
        if (end == std::string_view::npos) break;
        responses.push_back(std::move(response));
        at = end;
    }
    return responses;
}

}  // namespace test_support
