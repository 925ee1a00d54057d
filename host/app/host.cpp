#include "app/host.hpp"

#include "app/http_settings.hpp"
#include "app/process_limits.hpp"
#include "http/http_connection.hpp"
#include "plugins/plugin_metrics.hpp"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <thread>

// Builds every part of the host from its configuration and runs the server's lifecycle:
// start, reload, drain and stop (with the connection figures /metrics shows of it).

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

/// After the drain timeout, connections are shut down; their threads get this long to return.
constexpr std::chrono::seconds kAbortGrace{1};

}  // namespace

Host::Host(HostConfig config, std::shared_ptr<RegistrationThreads> registrations)
    : config_(std::move(config)),
      repository_(std::make_shared<RepositoryService>(config_.repository_delay, Poco::Logger::get("host.repository"))),
      plugin_meters_(std::make_shared<PluginMeters>()),
      execution_(Poco::Logger::get("host.execution")),
      plugins_(router_, plugin_services(config_, repository_, plugin_meters_), config_.plugin_loading.shadow_parent, Poco::Logger::get("host.plugins"),
               PluginTrust({config_.plugin_loading.folders, config_.plugin_loading.allow_untrusted_files}),
               registrations ? std::move(registrations)
                             : std::make_shared<RegistrationThreads>(config_.plugin_loading.registration_timeout)),
      watcher_(plugins_,
               {config_.plugin_loading.watch, config_.plugin_loading.poll_interval, config_.plugin_loading.settle},
               Poco::Logger::get("host.plugins")),
      metrics_(metrics_registry_.registry()),
      dispatcher_(router_, execution_, metrics_),
      admin_(dispatcher_, plugins_, metrics_registry_, config_, [this] { return reload(); }),
      socket_(listen_on(config_.server)) {
    metrics_registry_.add([this] { return connection_metrics(); });
    metrics_registry_.add([this] { return plugin_metric_families(plugins_.status()); });
    metrics_registry_.add([this] { return plugin_meters_->collect(); });
    plugins_.load_all(config_.plugins);
}

Host::~Host() {
    if (!stop()) release_server();  // waits for request threads still inside plugin code
}

ReloadReport Host::reload() {
    std::lock_guard lock(reload_mutex_);
    Poco::Logger& logger = Poco::Logger::get("host");
    HostConfig fresh;
    try {
        fresh = load_host_config(config_.file);
    } catch (const ConfigError& error) {
        logger.error(std::string("Reload refused, the configuration stays as it was: ") + error.what());
        ReloadReport report;
        report.config_error = error.what();
        return report;
    }
    if (const std::vector<std::string> later = config_.changes_needing_restart(fresh); !later.empty()) {
        std::string sections;
        for (const std::string& section : later) sections += (sections.empty() ? "" : ", ") + section;
        logger.warning("Changes to " + sections + " take effect at the next start");
    }
    ReloadReport report = plugins_.apply(fresh.plugins);
    watcher_.refresh_folders();
    config_.plugins = std::move(fresh.plugins);
    logger.information("Reloaded " + config_.file.string() + ": " + std::to_string(report.loaded.size()) +
                       " loaded, " + std::to_string(report.removed.size()) + " removed, " +
                       std::to_string(report.unchanged.size()) + " unchanged, " +
                       std::to_string(report.refused.size()) + " refused");
    return report;
}

void Host::start() {
    watcher_.start();

    const ServerConfig& server = config_.server;
    Poco::Logger& logger = Poco::Logger::get("host");
    // Connections beyond the open-file limit would fail to be accepted and wait unanswered
    // (check_process_limits() has warned): the gate answers them 503 instead.
    const std::size_t capacity = connections_within_open_file_limit(server);
    ConnectionGate::Settings gate;
    gate.capacity = capacity;
    gate.per_client = static_cast<std::size_t>(server.max_connections_per_client);
    gate_ = std::make_unique<ConnectionGate>(gate);
    turn_away_ = std::make_unique<TurnAway>(logger);
    WorkerPool::Limits workers;
    workers.limit = static_cast<std::size_t>(server.max_workers);
    workers.stack_bytes = static_cast<std::size_t>(server.thread_stack_kib) * 1024;
    workers_ = std::make_unique<WorkerPool>(workers);
    connections_ = std::make_unique<ConnectionContext>(
        ConnectionContext{http_settings(server), dispatcher_, metrics_, *gate_, *workers_, logger});
    const std::size_t loops = loop_threads(server);
    for (std::size_t i = 0; i < loops; ++i) loops_.push_back(std::make_unique<EventLoop>("ph-loop-" + std::to_string(i)));
    acceptor_ = std::make_unique<Acceptor>(socket_, [this](int descriptor) { admit(descriptor); },
                                           logger);
    logger.information("Listening on " + socket_.address().toString() + " for up to " +
                       std::to_string(capacity) + " connections on " + std::to_string(loops) +
                       " loop threads, with up to " + std::to_string(server.max_workers) + " workers");
}

void Host::admit(int descriptor) {
    EventLoop& loop = *loops_[next_loop_++ % loops_.size()];
    ConnectionGate::Admission admission = gate_->accept(descriptor);
    switch (admission.verdict) {
    case ConnectionGate::Verdict::admitted: {
        ++accepted_;
        const Poco::Net::StreamSocket socket(new Poco::Net::StreamSocketImpl(descriptor));
        loop.post([socket, ticket = std::move(admission.ticket), &loop, context = connections_.get()] {
            serve_connection(socket, ticket, loop, *context);
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

bool Host::stop() {
    plugins_.abandon_loads("the host is stopping");
    if (loops_.empty()) return true;  // not started, or stopped
    if (!draining_) {
        draining_ = true;
        watcher_.stop();
        drain();
    }
    // A connection still open waits for a plugin: one still running on a worker, which
    // stopping must wait for, or one that deferred its answer, which stopping ends (503).
    if (gate_->open_connections() > 0 && workers_->busy() > 0) return false;
    release_server();
    return true;
}

void Host::drain() {
    Poco::Logger& logger = Poco::Logger::get("host");
    const auto deadline = std::chrono::steady_clock::now() + config_.server.drain_timeout;
    gate_->begin_drain();  // from here on, new connections are refused
    if (acceptor_) acceptor_->stop();  // none if start() failed before it
    socket_.close();   // clients now get "connection refused" instead of waiting in the backlog
    logger.information("Stopped accepting; waiting up to " + std::to_string(config_.server.drain_timeout.count()) +
                       " ms for " + std::to_string(gate_->open_connections()) + " open connections");
    if (wait_until(deadline, [this] { return gate_->open_connections() == 0; })) return;
    const std::size_t cut = gate_->abort_all();
    logger.warning("Drain timeout: closed " + std::to_string(cut) +
                   " connections that were still open, with any request in flight on them");
    wait_until(std::chrono::steady_clock::now() + kAbortGrace, [this] { return gate_->open_connections() == 0; });
}

void Host::release_server() {
    acceptor_.reset();
    // The workers first: a connection waiting for one is resumed by it, on its loop.
    workers_->stop();  // waits for every handler still running, even one that never returns
    for (const std::unique_ptr<EventLoop>& loop : loops_) loop->stop();  // ends every connection left
    loops_.clear();
    repository_->stop_timer();  // what plugins left in it goes while their code is loaded
    workers_.reset();
    gate_.reset();
    turn_away_.reset();
}

std::uint16_t Host::port() const { return socket_.address().port(); }

std::string Host::metrics_text() const { return metrics_registry_.render(); }

std::vector<prometheus::MetricFamily> Host::connection_metrics() const {
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> out;
    if (loops_.empty()) return out;  // not started, or stopped
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
