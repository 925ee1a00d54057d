#pragma once

#include <prometheus/metric_family.h>

#include <Poco/Logger.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace plugin_host {

class EventLoop;

/// Answers the clients the ConnectionGate has no room for: once a client's request begins to
/// arrive (or a second has passed without one), 503 with Retry-After; then what the client
/// still sends is read and discarded for a while (ConnectionIo's linger), so that closing
/// does not reset the connection before the client has read the answer.
///
/// Each client is a coroutine on the loop thread it is handed to: it holds no thread, and
/// its write waits through the loop with a deadline, so a client that never reads holds
/// nobody up. At most kMaxWaiting are held at once; beyond, a client is answered and closed
/// at once. The log says so, at most every ten seconds for each reason.
///
/// Any thread calls take() (the acceptor's). Owned by the Host; it outlives the loops, whose
/// stop ends the waits it left on them.
class TurnAway {
public:
    static constexpr std::size_t kMaxWaiting = 4096;

    enum class Reason {
        at_capacity,      ///< [server] max_connections are open
        client_at_limit,  ///< the client's address has max_connections_per_client open
    };

    explicit TurnAway(Poco::Logger& logger);

    TurnAway(const TurnAway&) = delete;
    TurnAway& operator=(const TurnAway&) = delete;

    /// Takes over `descriptor`, a connection's (and closes it), and answers it on `loop`.
    /// `limit`: the limit reached, for the log.
    void take(int descriptor, EventLoop& loop, Reason reason, std::size_t limit);

    /// Clients answered 503, since start.
    std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
    /// Clients being answered now.
    std::size_t waiting() const { return waiting_.load(std::memory_order_relaxed); }

    /// Adds to `out` the counter connections_turned_away_total, valued now. The thread
    /// answering GET /metrics.
    void collect_metrics(std::vector<prometheus::MetricFamily>& out) const;

private:
    using Clock = std::chrono::steady_clock;

    void log(Reason reason, std::size_t limit);

    Poco::Logger& logger_;
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::size_t> waiting_{0};
    std::array<std::atomic<Clock::rep>, 2> logged_at_{};  ///< by Reason
};

}  // namespace plugin_host
