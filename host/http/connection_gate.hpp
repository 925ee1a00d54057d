#pragma once

#include "http/turn_away.hpp"
#include <prometheus/metric_family.h>

#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/RefCountedObject.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace plugin_host {

/// Admits connections and keeps track of every admitted one until it ends, so that the
/// server never holds more than `capacity` connections, and so that stopping can tell idle
/// connections from busy ones.
///
/// Who calls what:
/// - The acceptor thread (Acceptor) calls accept() with every new connection's descriptor.
///   Below capacity, and below the client address's own limit if one is set, the
///   connection is admitted, tracked and returned as a socket; else the descriptor itself
///   goes to TurnAway, which answers 503, so that turning a client away takes no
///   descriptor more. If no thread can take an admitted connection,
///   the acceptor calls withdraw(): it is then answered 503 too.
/// - The connection's thread (HttpConnection) calls attach() when it begins to serve the
///   connection, awaiting() and busy() as it waits for a request and serves one, and
///   detach() when it is done: from then on the connection no longer counts, exactly.
/// - The gate's watchdog thread looks, every tick, only at the admitted connections that no
///   thread serves yet: it forgets those dropped unserved, and gives those still waiting for
///   a thread the header deadline a served one has (408, then closed); and it lets go of the
///   sockets of connections that ended since. Its work grows with those, never with the
///   connections served, and its only write (the 408) never waits.
/// - The thread stopping the host calls begin_drain(), open_connections() and abort_all().
///
/// The gate keeps a copy of each tracked connection's socket, so its descriptor stays open
/// and cannot be reused for another connection while the gate may still shut it down;
/// detach() closes it under the gate's lock.
///
/// Owned through AutoPtr by the Host.
class ConnectionGate final : public Poco::RefCountedObject {
public:
    using Ptr = Poco::AutoPtr<ConnectionGate>;
    using Clock = std::chrono::steady_clock;

    struct Settings {
        /// Connections served at once; beyond it, a new client is answered 503 with
        /// Retry-After and closed. 0: no limit.
        std::size_t capacity = 0;
        /// Connections served at once from one client address; beyond it, that client is
        /// answered 503 as at capacity. 0: no limit.
        std::size_t per_client = 0;
        /// How long an admitted connection may wait, from its acceptance, for its request
        /// header to be complete (keep_alive_timeout_ms + header_timeout_ms); enforced here
        /// only while no thread serves it yet.
        std::chrono::milliseconds first_header_deadline{};
        std::chrono::milliseconds tick{100};  ///< how often the watchdog looks
    };

    /// One tracked connection; opaque outside the gate.
    struct Tracked;
    /// What the connection's thread holds while it serves the connection; empty if the
    /// connection is not tracked.
    using Ticket = std::shared_ptr<Tracked>;

    /// Starts the watchdog thread.
    ConnectionGate(Settings settings, Poco::Logger& logger);

    ConnectionGate(const ConnectionGate&) = delete;
    ConnectionGate& operator=(const ConnectionGate&) = delete;

    /// Acceptor thread, with a new connection's descriptor, which the gate owns from here on:
    /// the socket to serve (tracked from now on; it closes the descriptor once nobody holds
    /// it), or nothing if the client is turned away (TurnAway answers it 503) or the host
    /// drains (it is closed).
    std::optional<Poco::Net::StreamSocket> accept(int descriptor);

    /// Acceptor thread: no thread could take an admitted connection. The gate forgets it and
    /// answers it 503, as it would at capacity.
    void withdraw(const Poco::Net::StreamSocket& socket);

    /// Connection thread, before it serves `socket`: its ticket; empty if the gate does not
    /// track it. A connection the gate has already closed (its deadline passed while it
    /// waited for a thread, or the host aborts) is served all the same: its reads end at once.
    Ticket attach(const Poco::Net::StreamSocket& socket);

    /// Connection thread: waiting for the next request. False if the host is draining: the
    /// connection must end.
    bool awaiting(const Ticket& ticket);

    /// Connection thread: a request has begun to arrive; the drain lets it finish.
    void busy(const Ticket& ticket);

    /// Connection thread, last: closes the connection's socket; from then on the connection
    /// no longer counts against the capacity.
    void detach(const Ticket& ticket);

    /// Stopping: refuse new connections; shut the read side of connections waiting for a
    /// request (what a client sent before is still read and answered).
    void begin_drain();
    bool draining() const { return draining_.load(); }

    /// Connections admitted and not finished.
    std::size_t open_connections() const;
    /// Connections admitted that no thread serves yet.
    std::size_t queued_connections() const;

    /// Shuts down every tracked connection (both directions): requests still in flight can
    /// no longer be answered. Returns how many there were.
    std::size_t abort_all();

    /// Changes the capacity (the host lowers it when it cannot make as many threads).
    void set_capacity(std::size_t capacity) { capacity_.store(capacity); }
    std::size_t capacity() const { return capacity_.load(); }

    /// Clients answered 503 because the server was at capacity, since start.
    std::uint64_t turned_away() const { return turn_away_.count(); }

    /// Adds to `out` the gauges connections_open and connections_max and the counter
    /// connections_turned_away_total, valued now. The thread answering GET /metrics.
    void collect_metrics(std::vector<prometheus::MetricFamily>& out) const;

    /// Stops the watchdog and TurnAway; connections waiting are no longer answered. Idempotent.
    void stop();

private:
    enum class Phase : int;  // of a tracked connection: defined with Tracked

    ~ConnectionGate() override;

    /// Acceptor thread, at capacity (or at the client's own limit): hands the client's
    /// `descriptor` to TurnAway, and says so in the log (at most every ten seconds).
    void turn_away(int descriptor, bool client_at_limit);

    /// Under the lock, when `connection` stops being tracked: it no longer counts against
    /// its client's limit.
    void forget_client(const Tracked& connection);

    void watch();
    void look(Clock::time_point now);

    const Settings settings_;
    Poco::Logger& logger_;
    std::atomic<std::size_t> capacity_;
    std::atomic<bool> draining_{false};

    mutable std::mutex mutex_;  ///< guards tracked_, queued_ and ended_
    std::unordered_map<const Poco::Net::SocketImpl*, Ticket> tracked_;
    std::vector<Ticket> queued_;  ///< admitted, not yet attached
    std::vector<Ticket> ended_;   ///< detached; the watchdog lets go once Poco has
    /// Tracked connections by client address (Settings::per_client); guarded by mutex_.
    std::unordered_map<std::string, std::size_t> per_client_;

    TurnAway turn_away_;
    std::atomic<Clock::rep> busy_logged_at_{0};
    std::atomic<Clock::rep> client_limit_logged_at_{0};

    std::mutex watchdog_mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread watchdog_;
};

}  // namespace plugin_host
