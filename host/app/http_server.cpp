#include "app/http_server.hpp"

#include "app/http_settings.hpp"
#include "app/process_limits.hpp"
#include "http/owned_descriptor.hpp"
#include "metrics/metrics_registry.hpp"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace plugin_host {
namespace {

Poco::Net::ServerSocket listen_on(const ServerConfig& server) {
    // SO_REUSEADDR, but not SO_REUSEPORT, which Poco's ServerSocket(address) also sets: with
    // it, a second server started on the same port by mistake would start without an error
    // and take half of the new connections.
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(server.address, server.port), true, false);
    socket.listen(server.listen_backlog);
    return socket;
}

/// Polls `done` until it holds or `deadline` passes; returns its last answer.
template <typename Condition>
bool wait_until(std::chrono::steady_clock::time_point deadline, Condition done) {
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return done();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

/// After the drain timeout, connections are shut down; they get this long to end.
constexpr std::chrono::seconds kAbortGrace{1};

}  // namespace

HttpServer::HttpServer(const ServerConfig& server, RequestDispatcher& dispatcher, RequestMetrics& metrics,
                       Poco::Logger& logger)
    : server_(server), dispatcher_(dispatcher), metrics_(metrics), logger_(logger), socket_(listen_on(server)) {}

HttpServer::~HttpServer() { release(); }

void HttpServer::start() {
    // Connections beyond the open-file limit would fail to be accepted and wait unanswered
    // (check_process_limits() has warned): the gate answers them 503 instead.
    const std::size_t capacity = connections_within_open_file_limit(server_);
    ConnectionGate::Settings gate;
    gate.capacity = capacity;
    gate.per_client = static_cast<std::size_t>(server_.max_connections_per_client);
    gate_ = std::make_unique<ConnectionGate>(gate);
    turn_away_ = std::make_unique<TurnAway>(logger_);
    WorkerPool::Limits workers;
    workers.limit = static_cast<std::size_t>(server_.max_workers);
    workers.stack_bytes = static_cast<std::size_t>(server_.thread_stack_kib) * 1024;
    workers_ = std::make_unique<WorkerPool>(workers);
    connections_ = std::make_unique<ConnectionContext>(
        ConnectionContext{http_settings(server_), dispatcher_, metrics_, *gate_, *workers_, logger_});
    const std::size_t loops = loop_threads(server_);
    for (std::size_t i = 0; i < loops; ++i) loops_.push_back(std::make_unique<EventLoop>("ph-loop-" + std::to_string(i)));
    acceptor_ = std::make_unique<Acceptor>(socket_, [this](int descriptor) { admit(descriptor); }, logger_);
    logger_.information("Listening on " + socket_.address().toString() + " for up to " +
                        std::to_string(capacity) + " connections on " + std::to_string(loops) +
                        " loop threads, with up to " + std::to_string(server_.max_workers) + " workers");
}

void HttpServer::admit(int descriptor) {
    EventLoop& loop = *loops_[next_loop_++ % loops_.size()];
    ConnectionGate::Admission admission = gate_->accept(descriptor);
    switch (admission.verdict) {
    case ConnectionGate::Verdict::admitted: {
        ++accepted_;
        // The socket object is made on the loop thread and ends there: Poco counts its
        // references where ThreadSanitizer cannot see them, so it is never shared across threads.
        loop.post([client = std::make_shared<OwnedDescriptor>(descriptor), ticket = std::move(admission.ticket),
                   &loop, context = connections_.get()] {
            serve_connection(Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(client->take())), ticket, loop,
                             *context);
        });
        return;
    }
    case ConnectionGate::Verdict::at_capacity:
        turn_away_->take(descriptor, loop, TurnAway::Reason::at_capacity, gate_->capacity());
        return;
    case ConnectionGate::Verdict::client_at_limit:
        turn_away_->take(descriptor, loop, TurnAway::Reason::client_at_limit, gate_->per_client());
        return;
    case ConnectionGate::Verdict::draining: ::close(descriptor); return;
    }
}

void HttpServer::drain() {
    if (!gate_) return;  // not started
    const auto deadline = std::chrono::steady_clock::now() + server_.drain_timeout;
    gate_->begin_drain();  // from here on, new connections are refused
    if (acceptor_) acceptor_->stop();  // none if start() failed before it
    socket_.close();   // clients now get "connection refused" instead of waiting in the backlog
    logger_.information("Stopped accepting; waiting up to " + std::to_string(server_.drain_timeout.count()) +
                        " ms for " + std::to_string(gate_->open_connections()) + " open connections");
    if (wait_until(deadline, [this] { return gate_->open_connections() == 0; })) return;
    const std::size_t cut = gate_->abort_all();
    logger_.warning("Drain timeout: closed " + std::to_string(cut) +
                    " connections that were still open, with any request in flight on them");
    wait_until(std::chrono::steady_clock::now() + kAbortGrace, [this] { return gate_->open_connections() == 0; });
}

bool HttpServer::waits_for_a_handler() const {
    // One that deferred its answer instead holds no worker: stopping the loops ends it (503).
    return gate_ && gate_->open_connections() > 0 && workers_->busy() > 0;
}

void HttpServer::release() {
    acceptor_.reset();
    // The workers first: a connection waiting for one is resumed by it, on its loop.
    if (workers_) workers_->stop();  // waits for every handler still running, even one that never returns
    for (const std::unique_ptr<EventLoop>& loop : loops_) loop->stop();  // ends every connection left
    loops_.clear();
    connections_.reset();
    workers_.reset();
    gate_.reset();
    turn_away_.reset();
}

std::vector<prometheus::MetricFamily> HttpServer::connection_metrics() const {
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> out;
    if (!serving()) return out;
    out.push_back(single_sample("plugin_host_connections_current", MetricType::Gauge,
                                "Connections admitted and not finished.",
                                static_cast<double>(gate_->open_connections())));
    gate_->collect_metrics(out);
    turn_away_->collect_metrics(out);
    out.push_back(single_sample("plugin_host_connections_queued", MetricType::Gauge,
                                "Admitted connections not yet on their loop thread.",
                                static_cast<double>(gate_->queued_connections())));
    out.push_back(single_sample("plugin_host_connections_accepted_total", MetricType::Counter,
                                "Connections admitted since start.", static_cast<double>(accepted_.load())));
    out.push_back(single_sample("plugin_host_pool_threads_busy", MetricType::Gauge,
                                "Worker threads running a handler.", static_cast<double>(workers_->busy())));
    out.push_back(single_sample("plugin_host_pool_threads", MetricType::Gauge, "Worker threads started.",
                                static_cast<double>(workers_->threads())));
    return out;
}

}  // namespace plugin_host
