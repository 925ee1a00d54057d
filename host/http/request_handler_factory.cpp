#include "http/request_handler_factory.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <istream>
#include <optional>
#include <vector>
#include <ostream>

namespace plugin_host {
namespace {

/// Reads the body into `body`; returns an error response (and closes the connection) when
/// the body is too large, malformed, or does not arrive in time.
std::optional<HttpResponse> read_body(Poco::Net::HTTPServerRequest& request, std::size_t limit,
                                      std::string& body) {
    const auto fail = [](int status, std::string_view message) {
        HttpResponse response = error_response(status, message);
        response.close_connection = true;
        return response;
    };
    const bool chunked = request.getChunkedTransferEncoding();
    if (!chunked && !request.hasContentLength()) {
        if (request.getMethod() == "POST" || request.getMethod() == "PUT" ||
            request.getMethod() == "PATCH") {
            return fail(411, "a request body needs Content-Length or chunked Transfer-Encoding");
        }
        return std::nullopt;
    }
    if (!chunked && request.getContentLength64() > static_cast<Poco::Int64>(limit)) {
        return fail(413, "request body exceeds " + std::to_string(limit) + " bytes");
    }

    std::istream& in = request.stream();
    in.exceptions(std::ios::badbit);  // rethrow the stream's own exception (timeout, bad chunk)
    try {
        // Straight into the string, sized to the body: the string lives while the request
        // waits, so spare capacity (or a buffer on the stack) would be paid per connection.
        if (!chunked) {
            body.resize(static_cast<std::size_t>(request.getContentLength64()));
            in.read(body.data(), static_cast<std::streamsize>(body.size()));
            body.resize(static_cast<std::size_t>(in.gcount()));
        } else {
            constexpr std::size_t kChunk = 1024;
            while (in) {
                const std::size_t old_size = body.size();
                body.resize(old_size + kChunk);
                in.read(body.data() + old_size, static_cast<std::streamsize>(kChunk));
                body.resize(old_size + static_cast<std::size_t>(in.gcount()));
                if (body.size() > limit) {
                    return fail(413, "request body exceeds " + std::to_string(limit) + " bytes");
                }
            }
            body.shrink_to_fit();
        }
    } catch (const Poco::TimeoutException&) {
        return fail(408, "the request body did not arrive in time");
    } catch (const Poco::Exception& error) {
        return fail(400, "malformed request body: " + error.message());
    }
    if (!chunked && body.size() != static_cast<std::size_t>(request.getContentLength64())) {
        return fail(400, "request body is shorter than its Content-Length");
    }
    return std::nullopt;
}

bool is_loopback(const Poco::Net::IPAddress& address) {
    return address.isLoopback() || (address.isIPv4Mapped() && address.toString().starts_with("::ffff:127."));
}

/// After an error response that leaves part of the request unread: stop sending, then
/// read and discard what the client still sends, for a bounded time, so that closing the
/// socket does not reset the connection before the client has read the response.
void drain_before_close(Poco::Net::HTTPServerRequest& request) {
    constexpr std::size_t kMaxDrainBytes = 8 * 1024 * 1024;
    const Poco::Timespan kMaxDrainTime(2, 0);
    try {
        Poco::Net::StreamSocket& socket =
            static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket();
        socket.shutdownSend();
        socket.setReceiveTimeout(Poco::Timespan(0, 200000));
        const Poco::Timestamp started;
        std::vector<char> buffer(16384);
        std::size_t drained = 0;
        while (drained < kMaxDrainBytes && !started.isElapsed(kMaxDrainTime.totalMicroseconds())) {
            const int received = socket.receiveBytes(buffer.data(), static_cast<int>(buffer.size()));
            if (received <= 0) break;
            drained += static_cast<std::size_t>(received);
        }
    } catch (const Poco::Exception&) {
        // The client went away or stayed silent: nothing left to protect.
    }
}

class DispatchingHandler final : public Poco::Net::HTTPRequestHandler {
public:
    DispatchingHandler(const RequestDispatcher& dispatcher, RequestMetrics& metrics, std::size_t max_body_bytes)
        : dispatcher_(dispatcher), metrics_(metrics), max_body_bytes_(max_body_bytes) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        const auto started = std::chrono::steady_clock::now();
        metrics_.started();
        HttpRequest exchange;
        exchange.method = request.getMethod();
        const std::string& uri = request.getURI();
        exchange.path = uri.substr(0, uri.find_first_of("?#"));
        exchange.content_type = request.getContentType();
        exchange.from_loopback = is_loopback(request.clientAddress().host());

        std::optional<HttpResponse> failed = read_body(request, max_body_bytes_, exchange.body);
        const HttpResponse reply = failed ? std::move(*failed) : dispatcher_.dispatch(exchange);
        metrics_.finished(reply.counted_as ? *reply.counted_as : metrics_.unmatched(), reply.status,
                          std::chrono::steady_clock::now() - started);

        response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
        response.setContentType(reply.content_type);
        for (const auto& [name, value] : reply.headers) response.set(name, value);
        if (reply.close_connection) response.setKeepAlive(false);
        response.setContentLength64(static_cast<Poco::Int64>(reply.body.size()));
        std::ostream& out = response.send();
        out.write(reply.body.data(), static_cast<std::streamsize>(reply.body.size()));
        out.flush();
        if (failed) drain_before_close(request);
    }

private:
    const RequestDispatcher& dispatcher_;
    RequestMetrics& metrics_;
    const std::size_t max_body_bytes_;
};

}  // namespace

RequestHandlerFactory::RequestHandlerFactory(const RequestDispatcher& dispatcher, RequestMetrics& metrics,
                                             std::size_t max_body_bytes)
    : dispatcher_(dispatcher), metrics_(metrics), max_body_bytes_(max_body_bytes) {}

Poco::Net::HTTPRequestHandler* RequestHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
    return new DispatchingHandler(dispatcher_, metrics_, max_body_bytes_);
}

}  // namespace plugin_host
