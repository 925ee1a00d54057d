#include "http/request_handler_factory.hpp"

#include "http/request_body.hpp"

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

/// After a response that ends the connection: the client sees the end of it at once, not
/// only when the gate's watchdog closes the gate's own descriptor of the connection.
void close_after_response(Poco::Net::HTTPServerRequest& request) {
    try {
        static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket().shutdownSend();
    } catch (const Poco::Exception&) {
        // Already closed by the client.
    }
}

/// Fills `exchange` from the request and reads its body; an error response if that fails.
[[gnu::noinline]] std::optional<HttpResponse> read_request(Poco::Net::HTTPServerRequest& request,
                                                           std::size_t max_body_bytes, ConnectionGate* gate,
                                                           const ConnectionGate::Ticket& ticket,
                                                           HttpRequest& exchange) {
    exchange.method = request.getMethod();
    const std::string& uri = request.getURI();
    exchange.path.assign(uri, 0, uri.find_first_of("?#"));
    exchange.content_type = request.getContentType();
    exchange.from_loopback = is_loopback(request.clientAddress().host());

    std::optional<HttpResponse> failed = check_framing(request);
    if (!failed) failed = read_body(request, max_body_bytes, exchange.body);
    if (gate && gate->body_received(ticket) == ConnectionGate::Deadline::missed) {
        failed = error_response(408, "the request body did not arrive in time");
        failed->close_connection = true;
    }
    return failed;
}

[[gnu::noinline]] void write_response(Poco::Net::HTTPServerResponse& response, const HttpResponse& reply,
                                      bool request_failed) {
    if (request_failed) response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);  // the request's may be bogus
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    response.setContentType(std::string(reply.content_type));
    for (const auto& [name, value] : reply.headers) response.set(name, value);
    if (reply.close_connection) response.setKeepAlive(false);
    response.setContentLength64(static_cast<Poco::Int64>(reply.body.size()));
    std::ostream& out = response.send();
    out.write(reply.body.data(), static_cast<std::streamsize>(reply.body.size()));
    out.flush();
}

class DispatchingHandler final : public Poco::Net::HTTPRequestHandler {
public:
    DispatchingHandler(const RequestDispatcher& dispatcher, RequestMetrics& metrics, std::size_t max_body_bytes,
                       ConnectionGate* gate)
        : dispatcher_(dispatcher), metrics_(metrics), max_body_bytes_(max_body_bytes), gate_(gate) {}

    // Pool thread of Poco's HTTPServer, one request at a time per connection. Reading the
    // request and writing the answer are functions of their own, never inlined, so that
    // their temporaries are off the stack while the request is dispatched (see
    // ExecutionService on the stack budget).
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        const auto started = std::chrono::steady_clock::now();
        ConnectionGate::Ticket ticket;
        if (gate_ && gate_->header_received(request, ticket) == ConnectionGate::Deadline::missed) {
            response.setKeepAlive(false);  // the gate has answered 408 and closed the connection
            return;
        }
        metrics_.started();
        HttpRequest exchange;
        std::optional<HttpResponse> failed = read_request(request, max_body_bytes_, gate_, ticket, exchange);
        const bool request_failed = failed.has_value();
        HttpResponse reply = request_failed ? std::move(*failed) : dispatcher_.dispatch(exchange);
        if (gate_ && gate_->draining()) reply.close_connection = true;
        metrics_.finished(reply.counted_as ? *reply.counted_as : metrics_.unmatched(), reply.status,
                          std::chrono::steady_clock::now() - started);

        write_response(response, reply, request_failed);
        if (gate_) gate_->response_sent(ticket);
        if (request_failed) {
            drain_before_close(request);
        } else if (!response.getKeepAlive()) {
            close_after_response(request);
        }
    }

private:
    const RequestDispatcher& dispatcher_;
    RequestMetrics& metrics_;
    const std::size_t max_body_bytes_;
    ConnectionGate* const gate_;
};

}  // namespace

RequestHandlerFactory::RequestHandlerFactory(const RequestDispatcher& dispatcher, RequestMetrics& metrics,
                                             std::size_t max_body_bytes, ConnectionGate* gate)
    : dispatcher_(dispatcher), metrics_(metrics), max_body_bytes_(max_body_bytes), gate_(gate) {}

Poco::Net::HTTPRequestHandler* RequestHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
    // Poco answers "Expect: 100-continue" right after this returns, unless the response's
    // status is no longer 200: do not invite a body that the handler will refuse unread.
    if (request.getExpectContinue() &&
        (check_framing(request) || (!request.getChunkedTransferEncoding() && request.hasContentLength() &&
                                    request.getContentLength64() > static_cast<Poco::Int64>(max_body_bytes_)))) {
        static_cast<const Poco::Net::HTTPServerRequestImpl&>(request).response().setStatus(
            Poco::Net::HTTPResponse::HTTP_EXPECTATION_FAILED);
    }
    return new DispatchingHandler(dispatcher_, metrics_, max_body_bytes_, gate_);
}

}  // namespace plugin_host
