#include "http/connection_gate.hpp"

#include "metrics/metrics_registry.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <vector>

namespace plugin_host {

enum class ConnectionGate::Phase : int {
    queued,            ///< admitted, its loop has not begun to serve it
    awaiting_request,  ///< its loop waits for the next request
    busy,              ///< its loop reads, handles or answers a request
};

struct ConnectionGate::Tracked {
    Tracked(int connection_descriptor, std::string address)
        : descriptor(connection_descriptor), client(std::move(address)) {}

    /// Open until detach() closes it, under the gate's lock.
    const int descriptor;
    const std::string client;  ///< client_key(); empty when clients are not counted
    std::atomic<Phase> phase{Phase::queued};
    bool read_side_closed = false;  ///< by the drain; guarded by the gate's mutex
};

namespace {

/// The client's address as bytes, an IPv4-mapped IPv6 address as its IPv4 one; empty if
/// the client is already gone.
std::string client_key(int descriptor) {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getpeername(descriptor, reinterpret_cast<sockaddr*>(&address), &length) != 0) return {};
    if (address.ss_family == AF_INET) {
        const auto& ipv4 = reinterpret_cast<const sockaddr_in&>(address).sin_addr;
        return std::string(reinterpret_cast<const char*>(&ipv4), sizeof(ipv4));
    }
    if (address.ss_family == AF_INET6) {
        const auto& ipv6 = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr;
        const auto* bytes = reinterpret_cast<const char*>(&ipv6);
        if (IN6_IS_ADDR_V4MAPPED(&ipv6)) return std::string(bytes + 12, 4);
        return std::string(bytes, sizeof(ipv6));
    }
    return {};
}

}  // namespace

ConnectionGate::ConnectionGate(Settings settings) : settings_(settings) {}

ConnectionGate::Admission ConnectionGate::accept(int descriptor) {
    if (draining()) return {Verdict::draining, nullptr};
    std::string client = settings_.per_client > 0 ? client_key(descriptor) : std::string();
    std::lock_guard lock(mutex_);
    if (!client.empty()) {
        const auto counted = per_client_.find(client);
        if (counted != per_client_.end() && counted->second >= settings_.per_client) {
            return {Verdict::client_at_limit, nullptr};
        }
    }
    const std::size_t capacity = settings_.capacity;
    if (capacity != 0 && tracked_.size() >= capacity) return {Verdict::at_capacity, nullptr};
    if (!client.empty()) ++per_client_[client];
    auto connection = std::make_shared<Tracked>(descriptor, std::move(client));
    tracked_.insert(connection);
    queued_.fetch_add(1, std::memory_order_relaxed);
    return {Verdict::admitted, std::move(connection)};
}

void ConnectionGate::forget_client(const Tracked& connection) {
    if (connection.client.empty()) return;
    const auto counted = per_client_.find(connection.client);
    if (counted != per_client_.end() && --counted->second == 0) per_client_.erase(counted);
}

void ConnectionGate::attach(const Ticket& ticket) {
    Phase expected = Phase::queued;
    if (ticket->phase.compare_exchange_strong(expected, Phase::busy)) queued_.fetch_sub(1, std::memory_order_relaxed);
}

bool ConnectionGate::awaiting(const Ticket& ticket) {
    Phase expected = Phase::busy;
    ticket->phase.compare_exchange_strong(expected, Phase::awaiting_request);  // seq_cst, as in begin_drain()
    return !draining();
}

void ConnectionGate::busy(const Ticket& ticket) {
    Phase expected = Phase::awaiting_request;
    ticket->phase.compare_exchange_strong(expected, Phase::busy);
}

void ConnectionGate::detach(const Ticket& ticket, Poco::Net::StreamSocket& socket) {
    std::lock_guard lock(mutex_);
    if (tracked_.erase(ticket) > 0) forget_client(*ticket);
    if (ticket->phase.load() == Phase::queued) queued_.fetch_sub(1, std::memory_order_relaxed);
    socket.close();  // under the lock: the gate never shuts down a descriptor number already reused
}

void ConnectionGate::begin_drain() {
    draining_.store(true);  // seq_cst: a loop that goes on to wait after this sees it (awaiting())
    std::lock_guard lock(mutex_);
    for (const Ticket& connection : tracked_) {
        const Phase phase = connection->phase.load();
        if ((phase == Phase::awaiting_request || phase == Phase::queued) && !connection->read_side_closed) {
            // Closing the read side ends the wait at once. What the client sent before is
            // still read (the kernel keeps it) and answered; the answer can still be written.
            connection->read_side_closed = true;
            ::shutdown(connection->descriptor, SHUT_RD);
        }
    }
}

std::size_t ConnectionGate::open_connections() const {
    std::lock_guard lock(mutex_);
    return tracked_.size();
}

void ConnectionGate::collect_metrics(std::vector<prometheus::MetricFamily>& out) const {
    using prometheus::MetricType;
    out.push_back(single_sample("plugin_host_connections_open", MetricType::Gauge,
                                "Connections admitted and not finished.",
                                static_cast<double>(open_connections())));
    out.push_back(single_sample("plugin_host_connections_max", MetricType::Gauge,
                                "Connections served at once: [server] max_connections, or fewer if the open-file limit has no room for them.",
                                static_cast<double>(capacity())));
}

std::size_t ConnectionGate::abort_all() {
    std::lock_guard lock(mutex_);
    for (const Ticket& connection : tracked_) ::shutdown(connection->descriptor, SHUT_RDWR);
    return tracked_.size();
}

}  // namespace plugin_host
