#pragma once

#include "http/connection_gate.hpp"
#include "http/event_loop.hpp"
#include "http/request_body.hpp"
#include "http/request_head.hpp"
#include "metrics/request_metrics.hpp"
#include "services/worker_pool.hpp"

#include <Poco/Logger.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <cstddef>

namespace plugin_host {

class RequestDispatcher;

/// How the server treats its connections: the [server] settings, made by http_settings()
/// (app/http_settings.hpp) from the validated configuration. No defaults of its own: they
/// are ServerConfig's.
struct HttpSettings {
    bool keep_alive{};
    std::chrono::milliseconds keep_alive_timeout{};  ///< idle wait for the next request
    std::chrono::milliseconds header_timeout{};      ///< beyond the idle wait, for the whole header
    std::chrono::milliseconds body_timeout{};        ///< from the header to the end of the body
    std::chrono::milliseconds receive_timeout{};     ///< each read of a body, each write
    std::chrono::milliseconds deferred_timeout{};    ///< for an answer a handler completes later
    int max_keep_alive_requests{};                   ///< requests per connection; 0: unlimited
    std::size_t max_body_bytes{};                    ///< unless the route has a limit of its own
    HeadLimits head_limits;
    ChunkLimits chunk_limits;
};

/// What every connection of one server shares; outlives them all.
struct ConnectionContext {
    HttpSettings settings;
    const RequestDispatcher& dispatcher;
    RequestMetrics& metrics;
    ConnectionGate& gate;
    WorkerPool& workers;  ///< runs the dispatcher: the handlers may block
    Poco::Logger& logger;  ///< "host"
};

/// Serves one client connection, which `ticket` (ConnectionGate::accept()) admitted, on
/// `loop`, from its acceptance to its end, when it detaches the ticket: HTTP/1.1 with
/// keep-alive and pipelining. A coroutine on the loop thread (called there), which frees
/// itself when the connection ends; it holds no thread while it waits. For each request it
/// reads the head strictly (read_request_head()), checks the framing and reads the body
/// (request_body.hpp) within its route's limit (RequestDispatcher::max_body_bytes()),
/// answers `Expect: 100-continue`, has the dispatcher answer on a worker (WorkerPool; 503
/// with Retry-After when every worker is busy), or on the loop thread itself for a plugin
/// whose handlers never wait (RequestDispatcher::runs_on_loop()), waits for an answer a handler completes
/// later (PendingResponse; 500 after deferred_timeout_ms, logged with the plugin's name),
/// counts the request in the metrics and writes the response (without a body for HEAD, 204
/// and 304).
///
/// The connection ends when the client closes it or asks to (`Connection: close`, HTTP/1.0
/// without keep-alive), after keep_alive_timeout_ms without a request, after an answer that
/// refuses the request's framing (then the rest of what the client sends is read and
/// discarded for a moment, so that it can read the answer), when an answer cannot be
/// written within receive_timeout_ms (at once: nothing may follow a partial answer), or when
/// the host drains. Deadlines: a request header must be complete keep_alive_timeout_ms +
/// header_timeout_ms after the connection's start or its last response (408), a body
/// body_timeout_ms after its header (408).
///
/// Why not Poco's HTTPServerConnection: it takes a request line preceded by an empty line
/// for an empty request (400), ignores header lines without a colon and keeps a field name
/// with a space before its colon (so `Transfer-Encoding : chunked` is not seen), closes the
/// connection without an answer for a Content-Length it cannot parse, goes on reading the
/// next request after an answer it failed to write, reads `Connection: TE, close` as keep-
/// alive, answers `100 Continue` to HTTP/1.0, and holds a thread for every connection.
/// Poco parses nothing here but what it is given: the head's fields go into a
/// Poco::Net::HTTPRequest, and responses are formatted by Poco::Net::HTTPResponse.
Detached serve_connection(Poco::Net::StreamSocket socket, ConnectionGate::Ticket ticket, EventLoop& loop,
                          const ConnectionContext& context);

}  // namespace plugin_host
