#pragma once

#include "config/host_config.hpp"
#include "http/acceptor.hpp"
#include "http/connection_gate.hpp"
#include "http/event_loop.hpp"
#include "http/http_connection.hpp"
#include "http/turn_away.hpp"
#include "metrics/request_metrics.hpp"
#include "routing/request_dispatcher.hpp"
#include "services/worker_pool.hpp"

#include <prometheus/metric_family.h>

#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace plugin_host {

/// The HTTP server the Host runs: it listens, admits, serves and drains. The listening
/// socket (bound on construction), an Acceptor admitting connections through the
/// ConnectionGate (TurnAway answers those beyond it) and handing each, in turn, to one of
/// a few EventLoop threads, where a coroutine serves it (serve_connection()) with the
/// dispatcher; the handlers run on a WorkerPool.
///
/// Constructed, started, drained and released by one thread (the Host's owner); the
/// connection figures are read by the thread answering GET /metrics.
class HttpServer {
public:
    /// Binds `server`'s address; throws Poco::Exception if it cannot. `dispatcher` and
    /// `metrics` outlive the server.
    HttpServer(const ServerConfig& server, RequestDispatcher& dispatcher, RequestMetrics& metrics,
               Poco::Logger& logger);
    /// release().
    ~HttpServer();

    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Starts the loop threads and accepting connections. Throws Poco::Exception or
    /// std::system_error if a thread it needs cannot be started.
    void start();
    /// Started and not released.
    bool serving() const { return !loops_.empty(); }

    /// Stops accepting (the listening socket closes: new clients are refused), closes idle
    /// keep-alive connections and lets the requests in flight finish, each answered with
    /// `Connection: close`. After [server] drain_timeout_ms, the connections still open are
    /// shut down and get one more second to end.
    void drain();

    /// Whether a connection still open waits for a handler running on a worker (inside a
    /// plugin's callback), which release() would wait for.
    bool waits_for_a_handler() const;

    /// Waits for every handler still running, even one that never returns, then stops the
    /// loops, which ends every connection left. Idempotent.
    void release();

    /// The port actually bound (useful with port = 0).
    std::uint16_t port() const { return socket_.address().port(); }

    /// The connection and thread gauges, valued now; none unless serving().
    std::vector<prometheus::MetricFamily> connection_metrics() const;

private:
    /// Acceptor thread: a new connection's `descriptor` (owned from here on) goes to a loop
    /// thread, in turn, served if the gate admits it, else answered by TurnAway.
    void admit(int descriptor);

    const ServerConfig server_;
    RequestDispatcher& dispatcher_;
    RequestMetrics& metrics_;
    Poco::Logger& logger_;
    Poco::Net::ServerSocket socket_;
    std::unique_ptr<ConnectionGate> gate_;
    std::unique_ptr<TurnAway> turn_away_;             ///< outlives loops_, which may still run its clients
    std::unique_ptr<WorkerPool> workers_;             ///< run the handlers
    std::unique_ptr<ConnectionContext> connections_;  ///< shared by every connection; outlives loops_
    std::vector<std::unique_ptr<EventLoop>> loops_;   ///< hold the connections; empty before start() and once released
    std::unique_ptr<Acceptor> acceptor_;              ///< null before start() and once stopped accepting
    std::size_t next_loop_ = 0;                       ///< the acceptor thread's
    std::atomic<std::uint64_t> accepted_{0};
};

}  // namespace plugin_host
