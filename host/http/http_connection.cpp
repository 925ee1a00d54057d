#include "http/http_connection.hpp"

#include "http/field_syntax.hpp"
#include "http/host_field.hpp"
#include "http/pending_response.hpp"
#include "http/request_body.hpp"
#include "routing/request_dispatcher.hpp"

#include <Poco/Net/NetException.h>

#include <sys/socket.h>

namespace plugin_host {
namespace {

using Clock = ConnectionIo::Clock;

/// RFC 9112 §9.3: HTTP/1.1 persists unless `close` is among the Connection options;
/// HTTP/1.0 only with `keep-alive` among them.
bool client_keeps_alive(const Poco::Net::HTTPRequest& head) {
    if (lists_hold(head, "Connection", "close")) return false;
    return head.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1 || lists_hold(head, "Connection", "keep-alive");
}

bool is_loopback(const Poco::Net::IPAddress& address) {
    return address.isLoopback() || (address.isIPv4Mapped() && address.toString().starts_with("::ffff:127."));
}

/// RFC 9110 §10.1.1, for an HTTP/1.1 request with Expect: 417 for any expectation but
/// 100-continue; the dispatcher's answer, if it refuses the request whatever its body, before
/// the client sends that body; else `100 Continue` if the body is still to come.
Task<std::optional<HttpResponse>> meet_expectation(ConnectionIo& io, const HttpRequest& request,
                                                   const ConnectionContext& context, bool body_to_read) {
    const Poco::Net::HTTPRequest& head = request.head;
    if (lists_hold_other_than(head, "Expect", "100-continue")) {
        co_return closing_error(417, "the only expectation this server meets is 100-continue");
    }
    if (!lists_hold(head, "Expect", "100-continue")) co_return std::nullopt;  // an empty list expects nothing
    if (!body_to_read || io.buffered() > 0) co_return std::nullopt;  // nothing to wait for, or it is on its way
    if (std::optional<HttpResponse> refused = context.dispatcher.refusal_before_body(request)) {
        refused->close_connection = true;  // the body is never read
        co_return refused;
    }
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    if (co_await io.write({kContinue, {}}, Clock::now() + context.settings.receive_timeout) != ConnectionIo::Status::ok) {
        co_return closing_error(408, "the request body did not arrive in time");
    }
    co_return std::nullopt;
}

/// Everything between a complete head and the dispatcher: the target, the Host, the
/// framing, the expectation and the body. An error response if the request cannot be
/// handled.
Task<std::optional<HttpResponse>> read_rest(ConnectionIo& io, HttpRequest& request, const ConnectionContext& context,
                                            Clock::time_point head_done) {
    const HttpSettings& settings = context.settings;
    const Poco::Net::HTTPRequest& head = request.head;
    if (auto failed = split_request_target(head.getURI(), head.getMethod(), request.path, request.query)) {
        co_return failed;
    }
    if (auto failed = check_host(head)) co_return failed;
    if (auto failed = check_framing(head)) co_return failed;

    const std::optional<std::size_t> length = announced_length(head);
    // The route's own limit, or the server's; a request without a body looks for neither.
    const bool has_body = !length || *length > 0;
    const std::size_t max_body =
        has_body ? context.dispatcher.max_body_bytes(request, settings.max_body_bytes) : settings.max_body_bytes;
    if (head.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1 && head.has("Expect")) {
        // An HTTP/1.0 request's expectation is ignored. A body refused for its size is
        // refused by read_body() without being read, and without a 100 Continue.
        const bool body_to_read = has_body && (!length || *length <= max_body);
        if (auto failed = co_await meet_expectation(io, request, context, body_to_read)) co_return failed;
    }
    const BodyLimits limits{max_body, head_done + settings.body_timeout, settings.receive_timeout,
                            settings.chunk_limits};
    co_return co_await read_body(io, head, limits, request.body);
}

/// What serving a request keeps once the request is read and handed over: what writing
/// the answer and its log lines need, and the answer, or the promise of one. The request
/// itself (head, fields, body) is gone by then, so a connection waiting for a late answer
/// holds this alone.
struct Exchange {
    std::string method;  ///< as received
    std::string path;    ///< still percent-encoded
    bool http_1_0 = false;
    bool client_keeps = false;    ///< the client asked to keep the connection (client_keeps_alive())
    bool request_failed = false;  ///< `response` refuses the request itself
    Clock::time_point head_done;
    HttpResponse response;  ///< `pending` set: the answer comes later
};

/// Writes `exchange`'s response, in the request's version (HTTP/1.0 clients are answered in
/// theirs, all others in HTTP/1.1), without a body for HEAD.
Task<ConnectionIo::Status> write_response(ConnectionIo& io, const Exchange& exchange, bool keep_alive,
                                          Clock::time_point deadline) {
    const HttpResponse& response = exchange.response;
    const std::string head_text = response_head(
        response, exchange.http_1_0 ? Poco::Net::HTTPMessage::HTTP_1_0 : Poco::Net::HTTPMessage::HTTP_1_1, keep_alive);
    const bool send_body = !has_no_body(response.status) && exchange.method != Poco::Net::HTTPRequest::HTTP_HEAD;
    const std::string_view body = send_body ? std::string_view(response.body) : std::string_view();
    co_return co_await io.write({head_text, body}, deadline);
}

/// The client's address, or nothing if it has already gone.
struct Peer {
    std::string address;  ///< "address:port"
    bool from_loopback = false;
};

std::optional<Peer> peer_of(const Poco::Net::StreamSocket& socket) {
    try {
        const Poco::Net::SocketAddress address = socket.peerAddress();
        return Peer{address.toString(), is_loopback(address.host())};
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
}

void log_unwritten(Poco::Logger& logger, const std::string& client, const Exchange& exchange,
                   ConnectionIo::Status written, const HttpSettings& settings) {
    const char* what = written == ConnectionIo::Status::timed_out ? "did not complete in time" : "failed";
    logger.information("Closed the connection from " + client + ": writing the answer to " + exchange.method + " " +
                       exchange.path + " " + what + " (receive_timeout_ms = " +
                       std::to_string(settings.receive_timeout.count()) + ")");
}

/// Has a worker answer `request` (the dispatcher, with the plugins' handlers, which may
/// block). Resumed on the loop thread once the worker is done; a 503 with Retry-After at
/// once if every worker is busy.
Task<HttpResponse> dispatch_on_worker(EventLoop& loop, const HttpRequest& request, const ConnectionContext& context) {
    HttpResponse response;
    bool running = false;
    std::string refused;
    // The worker writes `response` in this frame, which waits for it: the host stops its
    // workers before its loops, so the frame outlives every worker's task.
    co_await EventLoop::Resumable(loop, Clock::time_point::max(), [&](std::uint64_t id) {
        running = context.workers.run([&response, &request, &context, mailbox = loop.mailbox(), loop = &loop, id] {
            response = context.dispatcher.dispatch(request);
            mailbox->post([loop, id] { loop->resume(id); });
        }, refused);
        return running;
    });
    if (!running) {
        if (!refused.empty()) context.logger.warning("No worker could be started: " + refused);
        response = error_response(503, "the server is busy: every worker is answering another request");
        response.headers.emplace_back("Retry-After", "1");
        response.counted_as = nullptr;
    }
    co_return response;
}

void log_overdue(Poco::Logger& logger, const PendingResponse& pending, const Exchange& exchange,
                 const HttpSettings& settings) {
    logger.error("Answered 500 to " + exchange.method + " " + exchange.path + ": plugin " + pending.owner() +
                 " did not complete its deferred answer within deferred_timeout_ms = " +
                 std::to_string(settings.deferred_timeout.count()));
}

/// The answer a handler completes later: resumed on the loop thread when it comes, or at
/// the deferred deadline with a 500.
Task<HttpResponse> wait_for_answer(EventLoop& loop, std::shared_ptr<PendingResponse> pending,
                                   const Exchange& exchange, const ConnectionContext& context) {
    const EventLoop::Woken woken = co_await EventLoop::Resumable(
        loop, Clock::now() + context.settings.deferred_timeout, [&](std::uint64_t id) {
            pending->when_ready([mailbox = loop.mailbox(), loop = &loop, id] {
                mailbox->post([loop, id] { loop->resume(id); });
            });
            return true;
        });
    if (woken == EventLoop::Woken::timed_out &&
        pending->expire(error_response(500, "endpoint " + pending->owner() + " did not answer in time"))) {
        if (context.logger.error()) log_overdue(context.logger, *pending, exchange, context.settings);
    } else if (woken == EventLoop::Woken::stopping) {
        pending->expire(error_response(503, "the server is stopping"));
    }
    co_return pending->take();
}

/// The connection's state between requests, which serve_request() reads and updates.
struct Between {
    Clock::time_point idle_deadline;  ///< for the next request's first byte
    int served = 0;                   ///< requests answered on the connection so far
};

/// Reads a request whose first bytes have arrived and hands it to its handler, or refuses
/// it: fills `exchange`. False if no request came after all (the client closed, or the
/// header deadline passed before a byte of it): nothing is answered. A coroutine of its
/// own, so that the request and everything read with it is freed before any wait for its
/// answer.
Task<bool> take_request(ConnectionIo& io, EventLoop& loop, const ConnectionContext& context, const Peer& peer,
                        Clock::time_point idle_deadline, Exchange& exchange) {
    const HttpSettings& settings = context.settings;
    HttpRequest request;
    request.client_address = peer.address;
    request.from_loopback = peer.from_loopback;
    HeadOutcome head = co_await read_request_head(io, settings.head_limits, idle_deadline,
                                                  idle_deadline + settings.header_timeout, request);
    if (head.kind == HeadOutcome::Kind::no_request) co_return false;
    exchange.head_done = Clock::now();
    exchange.client_keeps = client_keeps_alive(request.head);
    context.metrics.started();
    // (No co_await inside a conditional expression: g++ 12 destroys its temporaries twice.)
    std::optional<HttpResponse> failed = std::move(head.answer);
    if (!failed) failed = co_await read_rest(io, request, context, exchange.head_done);
    exchange.method = request.head.getMethod();
    exchange.path = request.path;
    exchange.http_1_0 = request.head.getVersion() == Poco::Net::HTTPMessage::HTTP_1_0;
    exchange.request_failed = failed.has_value();
    if (failed) {
        exchange.response = std::move(*failed);
        co_return true;
    }
    io.release_if_empty();  // the answer may take a while: no buffer meanwhile
    if (context.dispatcher.runs_on_loop(request)) {
        exchange.response = context.dispatcher.dispatch(request);  // its handler never waits
    } else {
        exchange.response = co_await dispatch_on_worker(loop, request, context);
    }
    co_return true;
}

/// Serves one request whose first bytes have arrived: takes it (take_request()), waits for
/// its answer if that comes later, writes the answer. True if the connection goes on to the
/// next request.
Task<bool> serve_request(ConnectionIo& io, EventLoop& loop, const ConnectionContext& context, const Peer& peer,
                         const Between& between) {
    const HttpSettings& settings = context.settings;
    Exchange exchange;
    if (!co_await take_request(io, loop, context, peer, between.idle_deadline, exchange)) co_return false;
    if (exchange.response.pending) {
        std::shared_ptr<PendingResponse> pending = std::move(exchange.response.pending);
        exchange.response = co_await wait_for_answer(loop, std::move(pending), exchange, context);
    }
    const HttpResponse& response = exchange.response;
    context.metrics.finished(response.counted_as ? *response.counted_as : context.metrics.unmatched(),
                             response.status, Clock::now() - exchange.head_done);

    const bool last_allowed =
        settings.max_keep_alive_requests > 0 && between.served + 1 >= settings.max_keep_alive_requests;
    const bool keep_alive = settings.keep_alive && !exchange.request_failed && !response.close_connection &&
                            !last_allowed && exchange.client_keeps && !context.gate.draining();
    const ConnectionIo::Status written =
        co_await write_response(io, exchange, keep_alive, Clock::now() + settings.receive_timeout);
    if (written != ConnectionIo::Status::ok) {
        // Nothing may follow a partial answer: the connection ends here, unread requests and all.
        ::shutdown(io.descriptor(), SHUT_RDWR);
        if (context.logger.information()) log_unwritten(context.logger, peer.address, exchange, written, settings);
        co_return false;
    }
    if (exchange.request_failed) {
        co_await io.linger_before_close();  // the client may still be sending the request refused
        co_return false;
    }
    if (!keep_alive) {
        if (io.buffered() > 0) co_await io.linger_before_close();  // pipelined requests nobody answers
        co_return false;
    }
    co_return true;
}

}  // namespace

Detached serve_connection(Poco::Net::StreamSocket socket, ConnectionGate::Ticket ticket, EventLoop& loop,
                          const ConnectionContext& context) {
    context.gate.attach(ticket);
    try {
        ConnectionIo io(socket.impl()->sockfd(), &loop);
        const std::optional<Peer> peer = peer_of(socket);  // none: gone before it was served
        Between between{Clock::now() + context.settings.keep_alive_timeout};
        for (; peer && context.gate.awaiting(ticket); ++between.served) {  // not awaiting: draining
            // The first request has most often arrived with the connection; a later one
            // comes after the answer to the one before.
            ConnectionIo::Status next;  // not a ?: of two co_awaits, which g++ 12 miscompiles
            if (between.served == 0) {
                next = co_await io.wait_readable(between.idle_deadline);
            } else {
                next = co_await io.wait_for_next(between.idle_deadline);
            }
            if (next != ConnectionIo::Status::ok) break;
            context.gate.busy(ticket);
            if (!co_await serve_request(io, loop, context, *peer, between)) break;
            between.idle_deadline = Clock::now() + context.settings.keep_alive_timeout;
            io.shrink();
        }
    } catch (const std::exception& error) {
        context.logger.error(std::string("A connection ended on an unexpected error: ") + error.what());
    }
    context.gate.detach(ticket, socket);  // closes the socket
}

}  // namespace plugin_host
