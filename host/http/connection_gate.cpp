#include "http/connection_gate.hpp"

#include "http/http_exchange.hpp"
#include "metrics/metrics_registry.hpp"

#include <Poco/Net/SocketImpl.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace plugin_host {

enum class ConnectionGate::Phase : int {
    queued,            ///< admitted, no thread serves it yet
    awaiting_request,  ///< its thread waits for the next request
    busy,              ///< its thread reads, handles or answers a request
    expired,           ///< the watchdog answered 408 and closed it while it was queued
};

struct ConnectionGate::Tracked {
    Tracked(const Poco::Net::StreamSocket& tracked_socket, Clock::time_point header_deadline, std::string address)
        : socket(tracked_socket), deadline(header_deadline), client(std::move(address)) {}

    /// The gate's copy of what accept() returned: keeps the descriptor open while the gate
    /// may act on it, and its reference count tells when a connection no thread served was
    /// dropped, and when the connection's thread is done with one that ended. Closed by
    /// detach(), under the gate's lock.
    Poco::Net::StreamSocket socket;
    const Clock::time_point deadline;  ///< of the first request header, while queued
    const std::string client;          ///< client_key(); empty when clients are not counted
    std::atomic<Phase> phase{Phase::queued};
    bool read_side_closed = false;     ///< by the drain; guarded by the gate's mutex
};

namespace {

/// Sent by the watchdog to a client whose request header did not arrive in time.
const std::string& header_timeout_response() {
    static const std::string response = closing_error_bytes(408, "the request header did not arrive in time");
    return response;
}

int descriptor_of(const ConnectionGate::Tracked& connection) { return connection.socket.impl()->sockfd(); }

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

ConnectionGate::ConnectionGate(Settings settings, Poco::Logger& logger)
    : settings_(settings), logger_(logger), capacity_(settings.capacity), watchdog_([this] { watch(); }) {}

ConnectionGate::~ConnectionGate() { stop(); }

void ConnectionGate::stop() {
    {
        std::lock_guard lock(watchdog_mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (watchdog_.joinable()) watchdog_.join();
    turn_away_.stop();
}

std::optional<Poco::Net::StreamSocket> ConnectionGate::accept(int descriptor) {
    if (draining()) {
        ::close(descriptor);
        return std::nullopt;
    }
    std::string client = settings_.per_client > 0 ? client_key(descriptor) : std::string();
    bool client_at_limit = false;
    {
        std::lock_guard lock(mutex_);
        const std::size_t capacity = capacity_.load();
        if (!client.empty()) {
            const auto counted = per_client_.find(client);
            client_at_limit = counted != per_client_.end() && counted->second >= settings_.per_client;
        }
        if (!client_at_limit && (capacity == 0 || tracked_.size() < capacity)) {
            if (!client.empty()) ++per_client_[client];
            const Poco::Net::StreamSocket socket(new Poco::Net::StreamSocketImpl(descriptor));
            auto connection =
                std::make_shared<Tracked>(socket, Clock::now() + settings_.first_header_deadline, std::move(client));
            queued_.push_back(connection);
            tracked_.emplace(socket.impl(), std::move(connection));
            return socket;
        }
    }
    turn_away(descriptor, client_at_limit);
    return std::nullopt;
}

void ConnectionGate::forget_client(const Tracked& connection) {
    if (connection.client.empty()) return;
    const auto counted = per_client_.find(connection.client);
    if (counted != per_client_.end() && --counted->second == 0) per_client_.erase(counted);
}

ConnectionGate::Ticket ConnectionGate::attach(const Poco::Net::StreamSocket& socket) {
    std::lock_guard lock(mutex_);
    const auto found = tracked_.find(socket.impl());
    if (found == tracked_.end()) return nullptr;
    Phase expected = Phase::queued;
    found->second->phase.compare_exchange_strong(expected, Phase::busy);
    std::erase(queued_, found->second);
    return found->second;
}

bool ConnectionGate::awaiting(const Ticket& ticket) {
    if (ticket) {
        Phase expected = Phase::busy;
        ticket->phase.compare_exchange_strong(expected, Phase::awaiting_request);  // seq_cst, as in begin_drain()
    }
    return !draining();
}

void ConnectionGate::busy(const Ticket& ticket) {
    if (!ticket) return;
    Phase expected = Phase::awaiting_request;
    ticket->phase.compare_exchange_strong(expected, Phase::busy);
}

void ConnectionGate::detach(const Ticket& ticket) {
    if (!ticket) return;
    std::lock_guard lock(mutex_);
    if (tracked_.erase(ticket->socket.impl()) > 0) forget_client(*ticket);
    // Under the lock: the gate never shuts down a descriptor number already reused.
    ticket->socket.close();
    ended_.push_back(ticket);
}

void ConnectionGate::withdraw(const Poco::Net::StreamSocket& socket) {
    {
        std::lock_guard lock(mutex_);
        const auto found = tracked_.find(socket.impl());
        if (found == tracked_.end()) return;
        std::erase(queued_, found->second);
        forget_client(*found->second);
        tracked_.erase(found);
    }
    // A descriptor of TurnAway's own: the caller's socket closes its own once let go.
    const int descriptor = ::fcntl(socket.impl()->sockfd(), F_DUPFD_CLOEXEC, 0);
    if (descriptor >= 0) turn_away(descriptor, false);  // else out of descriptors: it is just closed
}

void ConnectionGate::turn_away(int descriptor, bool client_at_limit) {
    turn_away_.take(descriptor);
    const auto now = Clock::now().time_since_epoch().count();
    std::atomic<Clock::rep>& last = client_at_limit ? client_limit_logged_at_ : busy_logged_at_;
    auto logged = last.load(std::memory_order_relaxed);
    const auto every = std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(10)).count();
    if (now - logged < every || !last.compare_exchange_strong(logged, now)) return;
    if (client_at_limit) {
        logger_.warning("A client address has max_connections_per_client (" + std::to_string(settings_.per_client) +
                        ") connections open: its new connections are answered 503; " + std::to_string(turned_away()) +
                        " clients turned away so far");
    } else {
        logger_.warning("At capacity (" + std::to_string(capacity()) + " connections): new clients are answered 503; " +
                        std::to_string(turned_away()) + " so far");
    }
}

void ConnectionGate::begin_drain() {
    draining_.store(true);  // seq_cst: a thread that goes on to wait after this sees it (awaiting())
    std::lock_guard lock(mutex_);
    for (const auto& [impl, connection] : tracked_) {
        const Phase phase = connection->phase.load();
        if ((phase == Phase::awaiting_request || phase == Phase::queued) && !connection->read_side_closed) {
            // Closing the read side ends the wait at once. What the client sent before is
            // still read (the kernel keeps it) and answered; the answer can still be written.
            connection->read_side_closed = true;
            ::shutdown(descriptor_of(*connection), SHUT_RD);
        }
    }
}

std::size_t ConnectionGate::open_connections() const {
    std::lock_guard lock(mutex_);
    return tracked_.size();
}

std::size_t ConnectionGate::queued_connections() const {
    std::lock_guard lock(mutex_);
    return queued_.size();
}

void ConnectionGate::collect_metrics(std::vector<prometheus::MetricFamily>& out) const {
    using prometheus::MetricType;
    out.push_back(single_sample("plugin_host_connections_open", MetricType::Gauge,
                                "Connections admitted and not finished.",
                                static_cast<double>(open_connections())));
    out.push_back(single_sample("plugin_host_connections_turned_away_total", MetricType::Counter,
                                "Clients answered 503 because max_connections were open.",
                                static_cast<double>(turned_away())));
    out.push_back(single_sample("plugin_host_connections_max", MetricType::Gauge,
                                "Connections served at once: [server] max_connections, or fewer if the open-file limit has no room for them.",
                                static_cast<double>(capacity())));
}

std::size_t ConnectionGate::abort_all() {
    std::lock_guard lock(mutex_);
    for (const auto& [impl, connection] : tracked_) ::shutdown(descriptor_of(*connection), SHUT_RDWR);
    return tracked_.size();
}

void ConnectionGate::watch() {
    std::unique_lock lock(watchdog_mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, settings_.tick, [this] { return stopping_; });
        if (stopping_) break;
        lock.unlock();
        look(Clock::now());
        lock.lock();
    }
}

void ConnectionGate::look(Clock::time_point now) {
    std::vector<Ticket> dropped;  // released after the lock: that closes their descriptors
    std::lock_guard lock(mutex_);
    // Ended connections whose socket only the gate still holds: the acceptor and the
    // connection's thread have let go of it, so it is freed here, after this lock, which the
    // connection's thread released in detach() after its last use of the socket. Poco
    // counts references with atomics outside what ThreadSanitizer sees; freed by the
    // connection's thread instead, the socket would look raced.
    std::erase_if(ended_, [&](const Ticket& connection) {
        if (connection->socket.impl()->referenceCount() > 1) return false;
        dropped.push_back(connection);
        return true;
    });
    std::erase_if(queued_, [&](const Ticket& connection) {
        Phase phase = connection->phase.load();
        if (phase != Phase::queued) return true;
        // The gate's copy is the only one left: it was dropped unserved.
        if (connection->socket.impl()->referenceCount() == 1) {
            if (tracked_.erase(connection->socket.impl()) > 0) forget_client(*connection);
            dropped.push_back(connection);
            return true;
        }
        if (now < connection->deadline || !connection->phase.compare_exchange_strong(phase, Phase::expired)) return false;
        // No thread reads it, so nobody else writes to it. The answer is best effort: a
        // client that does not read gets the close without it.
        const std::string& response = header_timeout_response();
        ::send(descriptor_of(*connection), response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        ::shutdown(descriptor_of(*connection), SHUT_RDWR);
        logger_.warning("Closed a connection that waited " + std::to_string(settings_.first_header_deadline.count()) +
                        " ms for a thread: no thread was free to serve it");
        return true;
    });
}

}  // namespace plugin_host
