#include "http/connection_gate.hpp"

#include "http/json_text.hpp"

#include <Poco/Net/SocketImpl.h>

#include <fcntl.h>
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
    Tracked(const Poco::Net::StreamSocket& tracked_socket, Clock::time_point header_deadline)
        : socket(tracked_socket), deadline(header_deadline) {}

    /// A copy of Poco's: keeps the descriptor open while the gate may act on it, and its
    /// reference count tells when Poco dropped a connection no thread served.
    const Poco::Net::StreamSocket socket;
    const Clock::time_point deadline;  ///< of the first request header, while queued
    std::atomic<Phase> phase{Phase::queued};
    bool read_side_closed = false;     ///< by the drain; guarded by the gate's mutex
};

namespace {

/// Sent by the watchdog to a client whose request header did not arrive in time.
const std::string& header_timeout_response() {
    static const std::string response = [] {
        const std::string body = json_error("the request header did not arrive in time");
        return "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\n"
               "Content-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    return response;
}

/// Sent to a client the server has no room for.
const std::string& busy_response() {
    static const std::string response = [] {
        const std::string body = json_error("the server is at its connection capacity; retry in a second");
        return "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
               "Content-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    return response;
}

/// Turned-away connections held at once; beyond, they are answered and closed at once.
constexpr std::size_t kMaxTurnedAway = 4096;
/// How long a turned-away client has to start its request before it is answered anyway.
constexpr auto kTurnedAwayRequestWait = std::chrono::seconds(1);
/// How long the rest of a turned-away client's request is read and discarded after the answer.
constexpr auto kTurnedAwayLinger = std::chrono::seconds(1);

int descriptor_of(const ConnectionGate::Tracked& connection) { return connection.socket.impl()->sockfd(); }

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
    std::lock_guard lock(turned_away_mutex_);
    for (const TurnedAway& connection : turned_away_) ::close(connection.descriptor);
    turned_away_.clear();
}

bool ConnectionGate::accept(const Poco::Net::StreamSocket& socket) {
    if (draining()) return false;
    {
        std::lock_guard lock(mutex_);
        const std::size_t capacity = capacity_.load();
        if (capacity == 0 || tracked_.size() < capacity) {
            tracked_.emplace(socket.impl(),
                             std::make_shared<Tracked>(socket, Clock::now() + settings_.first_header_deadline));
            return true;
        }
    }
    turn_away(socket);
    return false;
}

ConnectionGate::Ticket ConnectionGate::attach(const Poco::Net::StreamSocket& socket) {
    std::lock_guard lock(mutex_);
    const auto found = tracked_.find(socket.impl());
    if (found == tracked_.end()) return nullptr;
    Phase expected = Phase::queued;
    found->second->phase.compare_exchange_strong(expected, Phase::busy);
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
    tracked_.erase(ticket->socket.impl());
}

void ConnectionGate::turn_away(const Poco::Net::StreamSocket& socket) {
    turned_away_total_.fetch_add(1, std::memory_order_relaxed);
    const int descriptor = ::fcntl(socket.impl()->sockfd(), F_DUPFD_CLOEXEC, 0);
    if (descriptor < 0) return;  // out of descriptors: Poco closes the connection
    bool waiting = false;
    {
        std::lock_guard lock(turned_away_mutex_);
        if (turned_away_.size() < kMaxTurnedAway) {
            turned_away_.push_back({descriptor, false, Clock::now() + kTurnedAwayRequestWait});
            waiting = true;
        }
    }
    if (!waiting) {  // too many at once: answer now and close without lingering
        answer_busy(descriptor);
        ::close(descriptor);
    }
    const auto now = Clock::now().time_since_epoch().count();
    auto logged = busy_logged_at_.load(std::memory_order_relaxed);
    const auto every = std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(10)).count();
    if (now - logged >= every && busy_logged_at_.compare_exchange_strong(logged, now)) {
        logger_.warning("At capacity (" + std::to_string(capacity()) + " connections): new clients are answered 503; " +
                        std::to_string(turned_away()) + " so far");
    }
}

void ConnectionGate::answer_busy(int descriptor) {
    const std::string& response = busy_response();
    ::send(descriptor, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(descriptor, SHUT_WR);
}

void ConnectionGate::linger_turned_away(Clock::time_point now) {
    std::lock_guard lock(turned_away_mutex_);
    std::erase_if(turned_away_, [now](TurnedAway& connection) {
        char discard[4096];
        if (!connection.answered) {
            // The answer goes out once the request has begun to arrive (or the wait is
            // over): a client's HTTP library expects no bytes before it has sent its request.
            const ssize_t peeked = ::recv(connection.descriptor, discard, 1, MSG_PEEK | MSG_DONTWAIT);
            const bool request_arrived = peeked > 0;
            const bool client_gone = peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
            if (client_gone) {
                ::close(connection.descriptor);
                return true;
            }
            if (!request_arrived && now < connection.deadline) return false;
            answer_busy(connection.descriptor);
            connection.answered = true;
            connection.deadline = now + kTurnedAwayLinger;
        }
        // Read what the client still sends, so that closing does not reset the connection
        // before the answer is read; close when the client does, or after the linger.
        for (;;) {
            const ssize_t got = ::recv(connection.descriptor, discard, sizeof discard, MSG_DONTWAIT);
            if (got > 0) continue;
            if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && now < connection.deadline) return false;
            ::close(connection.descriptor);
            return true;
        }
    });
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

void ConnectionGate::write_metrics(PrometheusText& out) const {
    out.single("plugin_host_connections_open", "gauge", "Connections admitted and not finished, served or waiting for a thread.",
               static_cast<double>(open_connections()));
    out.single("plugin_host_connections_turned_away_total", "counter",
               "Clients answered 503 because max_connections were open.", static_cast<double>(turned_away()));
    out.single("plugin_host_connections_max", "gauge",
               "Connections served at once: [server] max_connections, or fewer if the threads could not be made.",
               static_cast<double>(capacity()));
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
        const Clock::time_point now = Clock::now();
        look(now);
        linger_turned_away(now);
        lock.lock();
    }
}

void ConnectionGate::look(Clock::time_point now) {
    std::vector<Ticket> dropped;  // released after the lock: that closes their descriptors
    std::lock_guard lock(mutex_);
    for (auto entry = tracked_.begin(); entry != tracked_.end();) {
        Tracked& connection = *entry->second;
        Phase phase = connection.phase.load();
        if (phase != Phase::queued) {
            ++entry;
            continue;
        }
        if (connection.socket.impl()->referenceCount() == 1) {  // Poco dropped it unserved
            dropped.push_back(std::move(entry->second));
            entry = tracked_.erase(entry);
            continue;
        }
        ++entry;
        if (now >= connection.deadline && connection.phase.compare_exchange_strong(phase, Phase::expired)) {
            // No thread reads it, so nobody else writes to it. The answer is best effort: a
            // client that does not read gets the close without it.
            const std::string& response = header_timeout_response();
            ::send(descriptor_of(connection), response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            ::shutdown(descriptor_of(connection), SHUT_RDWR);
            logger_.warning("Closed a connection that waited " +
                            std::to_string(settings_.first_header_deadline.count()) +
                            " ms for a thread: no thread was free to serve it");
        }
    }
}

}  // namespace plugin_host
