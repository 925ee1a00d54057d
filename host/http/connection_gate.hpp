#pragma once

#include <prometheus/metric_family.h>

#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace plugin_host {

/// Admits connections and keeps count of every admitted one until it ends: the server never
/// holds more than `capacity` connections, nor more than `per_client` from one client
/// address, and stopping can tell connections waiting for a request from busy ones.
///
/// Who calls what:
/// - The acceptor thread calls accept() with every new connection's descriptor: the verdict
///   says whether to serve it (with the connection's Ticket) or turn it away (TurnAway), and
///   why. The gate never owns the descriptor.
/// - The connection's loop thread (serve_connection()) calls attach() when it begins to serve
///   the connection, awaiting() and busy() as it waits for a request and serves one, and
///   detach() last, which closes the connection's socket under the gate's lock: from then on
///   the connection no longer counts, exactly, and the gate never acts on a descriptor number
///   the process has already reused.
/// - The thread stopping the host calls begin_drain(), open_connections() and abort_all().
///
/// Has no thread: every deadline is the connection's own, on its loop. Owned by the Host.
class ConnectionGate {
public:
    struct Settings {
        /// Connections served at once; beyond it, a new client is turned away. 0: no limit.
        std::size_t capacity = 0;
        /// Connections served at once from one client address; beyond it, that client is
        /// turned away as at capacity. 0: no limit.
        std::size_t per_client = 0;
    };

    /// One tracked connection; opaque outside the gate.
    struct Tracked;
    /// What the connection's loop holds while it serves the connection.
    using Ticket = std::shared_ptr<Tracked>;

    enum class Verdict {
        admitted,         ///< serve it, with the ticket
        at_capacity,      ///< turn it away: `capacity` connections are open
        client_at_limit,  ///< turn it away: its address has `per_client` connections open
        draining,         ///< close it: the host is stopping
    };
    struct Admission {
        Verdict verdict;
        Ticket ticket;  ///< set when admitted
    };

    explicit ConnectionGate(Settings settings);

    ConnectionGate(const ConnectionGate&) = delete;
    ConnectionGate& operator=(const ConnectionGate&) = delete;

    /// Acceptor thread, with a new connection's descriptor, which stays the caller's.
    Admission accept(int descriptor);

    /// Loop thread, as it begins to serve the admitted connection.
    void attach(const Ticket& ticket);

    /// Loop thread: waiting for the next request. False if the host is draining: the
    /// connection must end.
    bool awaiting(const Ticket& ticket);

    /// Loop thread: a request has begun to arrive; the drain lets it finish.
    void busy(const Ticket& ticket);

    /// Loop thread, last: closes `socket`, the connection's; from then on the connection no
    /// longer counts against the capacity.
    void detach(const Ticket& ticket, Poco::Net::StreamSocket& socket);

    /// Stopping: refuse new connections; shut the read side of connections waiting for a
    /// request (what a client sent before is still read and answered).
    void begin_drain();
    bool draining() const { return draining_.load(); }

    /// Connections admitted and not finished.
    std::size_t open_connections() const;
    /// Connections admitted that their loop thread has not begun to serve yet.
    std::size_t queued_connections() const { return queued_.load(std::memory_order_relaxed); }

    /// Shuts down every tracked connection (both directions): requests still in flight can
    /// no longer be answered. Returns how many there were.
    std::size_t abort_all();

    std::size_t capacity() const { return settings_.capacity; }
    std::size_t per_client() const { return settings_.per_client; }

    /// Adds to `out` the gauges connections_open and connections_max, valued now. The
    /// thread answering GET /metrics.
    void collect_metrics(std::vector<prometheus::MetricFamily>& out) const;

private:
    enum class Phase : int;  // of a tracked connection: defined with Tracked

    /// Under the lock, when `connection` stops being tracked: it no longer counts against
    /// its client's limit.
    void forget_client(const Tracked& connection);

    const Settings settings_;
    std::atomic<bool> draining_{false};
    std::atomic<std::size_t> queued_{0};

    mutable std::mutex mutex_;  ///< guards tracked_ and per_client_
    std::unordered_set<Ticket> tracked_;
    /// Tracked connections by client address (Settings::per_client).
    std::unordered_map<std::string, std::size_t> per_client_;
};

}  // namespace plugin_host
