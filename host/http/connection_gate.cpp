#include "http/connection_gate.hpp"

#include "http/json_text.hpp"

#include <Poco/Any.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/SocketImpl.h>

#include <fcntl.h>
#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace plugin_host {

enum class ConnectionGate::Phase : int { awaiting_request, reading_body, handling, expired };

struct ConnectionGate::Tracked {
    Tracked(const Poco::Net::StreamSocket& tracked_socket, int own_descriptor, Clock::time_point first_deadline)
        : socket(tracked_socket), descriptor(own_descriptor), deadline(first_deadline.time_since_epoch().count()) {}
    ~Tracked() { ::close(descriptor); }

    Tracked(const Tracked&) = delete;
    Tracked& operator=(const Tracked&) = delete;

    const Poco::Net::StreamSocket socket;  ///< a copy of Poco's: its reference count tells when Poco is done
    const int descriptor;                  ///< the gate's own, for shutdown() and send()
    std::atomic<Phase> phase{Phase::awaiting_request};
    /// When the current phase must end (Clock ticks). Written before `phase` changes, so the
    /// watchdog never pairs a new phase with an old deadline.
    std::atomic<Clock::rep> deadline;
    std::atomic<bool> read_side_closed{false};  ///< by the drain, once
};

namespace {

Poco::Timespan to_timespan(std::chrono::milliseconds duration) { return Poco::Timespan(duration.count() * 1000); }

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

std::string peer_of(int descriptor) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(descriptor, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "a client that left";
    try {
        return Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&address), length).toString();
    } catch (const Poco::Exception&) {
        return "an unknown address";
    }
}

}  // namespace

ConnectionGate::ConnectionGate(Settings settings, Poco::Logger& logger)
    : settings_(settings), logger_(logger), watchdog_([this] { watch(); }) {}

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

ConnectionGate::Admission ConnectionGate::admit() const {
    if (draining()) return Admission::drop;
    if (settings_.capacity > 0 && settings_.open_connections && settings_.open_connections() >= settings_.capacity) {
        return Admission::busy;
    }
    return Admission::serve;
}

bool ConnectionGate::accept(const Poco::Net::StreamSocket& socket) {
    switch (admit()) {
    case Admission::drop: return false;
    case Admission::busy: turn_away(socket); return false;
    case Admission::serve: break;
    }
    Poco::Net::StreamSocket copy(socket);
    try {
        copy.setSendTimeout(to_timespan(settings_.send_timeout));
    } catch (const Poco::Exception&) {
        return false;  // the client is already gone
    }
    const int own_descriptor = ::fcntl(copy.impl()->sockfd(), F_DUPFD_CLOEXEC, 0);
    if (own_descriptor < 0) return false;  // out of descriptors: better refused than unwatched
    auto connection = std::make_shared<Tracked>(copy, own_descriptor, next_request_deadline(Clock::now()));
    std::lock_guard lock(mutex_);
    tracked_.emplace(copy.impl(), std::move(connection));
    return true;
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
        logger_.warning("At capacity (" + std::to_string(settings_.capacity) +
                        " connections): new clients are answered 503; " + std::to_string(turned_away()) +
                        " so far");
    }
}

void ConnectionGate::answer_busy(int descriptor) {
    const std::string& response = busy_response();
    ::send(descriptor, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(descriptor, SHUT_WR);
}

void ConnectionGate::linger_turned_away(Clock::time_point now) {
    std::lock_guard lock(turned_away_mutex_);
    std::erase_if(turned_away_, [this, now](TurnedAway& connection) {
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

ConnectionGate::Ticket ConnectionGate::find(Poco::Net::HTTPServerRequest& request) {
    // The session lives as long as the connection: after the first request, its ticket is
    // found there without taking the gate's lock.
    Poco::Net::HTTPServerSession& session = static_cast<Poco::Net::HTTPServerRequestImpl&>(request).session();
    if (const Ticket* cached = Poco::AnyCast<Ticket>(&session.sessionData())) return *cached;
    Ticket ticket;
    {
        std::lock_guard lock(mutex_);
        const auto found = tracked_.find(session.socket().impl());
        if (found != tracked_.end()) ticket = found->second;
    }
    session.attachSessionData(ticket);
    return ticket;
}

ConnectionGate::Deadline ConnectionGate::header_received(Poco::Net::HTTPServerRequest& request, Ticket& ticket) {
    ticket = find(request);
    if (!ticket) return Deadline::met;
    ticket->deadline.store((Clock::now() + settings_.body_timeout).time_since_epoch().count());
    Phase expected = Phase::awaiting_request;
    return ticket->phase.compare_exchange_strong(expected, Phase::reading_body) ? Deadline::met : Deadline::missed;
}

ConnectionGate::Deadline ConnectionGate::body_received(const Ticket& ticket) {
    if (!ticket) return Deadline::met;
    Phase expected = Phase::reading_body;
    return ticket->phase.compare_exchange_strong(expected, Phase::handling) ? Deadline::met : Deadline::missed;
}

void ConnectionGate::response_sent(const Ticket& ticket) {
    if (!ticket) return;
    ticket->deadline.store(next_request_deadline(Clock::now()).time_since_epoch().count());
    Phase expected = Phase::handling;
    ticket->phase.compare_exchange_strong(expected, Phase::awaiting_request);
}

void ConnectionGate::begin_drain() { draining_ = true; }

std::size_t ConnectionGate::open_connections() const {
    std::lock_guard lock(mutex_);
    return tracked_.size();
}

std::size_t ConnectionGate::abort_all() {
    std::lock_guard lock(mutex_);
    for (const auto& [impl, connection] : tracked_) ::shutdown(connection->descriptor, SHUT_RDWR);
    return tracked_.size();
}

ConnectionGate::Clock::time_point ConnectionGate::next_request_deadline(Clock::time_point now) const {
    return now + settings_.idle_wait + settings_.header_timeout;
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
    const bool drain = draining();
    std::vector<Ticket> finished;  // released after the lock: that closes the gate's descriptors
    std::lock_guard lock(mutex_);
    for (auto entry = tracked_.begin(); entry != tracked_.end();) {
        Tracked& connection = *entry->second;
        if (connection.socket.impl()->referenceCount() == 1) {  // Poco is done with it
            finished.push_back(std::move(entry->second));
            entry = tracked_.erase(entry);
            continue;
        }
        ++entry;
        const Phase phase = connection.phase.load();
        const Clock::time_point deadline{Clock::duration(connection.deadline.load())};
        if (phase == Phase::awaiting_request && now >= deadline) {
            Phase expected = Phase::awaiting_request;
            if (connection.phase.compare_exchange_strong(expected, Phase::expired)) expire_waiting(connection);
        } else if (phase == Phase::awaiting_request && drain && !connection.read_side_closed) {
            // Waiting for a request while stopping: closing the read side ends Poco's wait at
            // once. What the client sent before is still read (the kernel keeps it) and
            // answered; the answer can still be written.
            connection.read_side_closed = true;
            ::shutdown(connection.descriptor, SHUT_RD);
        } else if (phase == Phase::reading_body && now >= deadline) {
            Phase expected = Phase::reading_body;
            if (connection.phase.compare_exchange_strong(expected, Phase::expired)) expire_body(connection);
        }
    }
}

void ConnectionGate::expire_waiting(const Tracked& connection) {
    // Nobody else writes to the connection while it waits for a request. The answer is best
    // effort: a client that does not read gets the close without it.
    const std::string peer = logger_.information() ? peer_of(connection.descriptor) : std::string();
    const std::string& response = header_timeout_response();
    ::send(connection.descriptor, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(connection.descriptor, SHUT_RDWR);
    if (logger_.information()) {
        logger_.information("Closed the connection from " + peer + ": no complete request header within " +
                            std::to_string((settings_.idle_wait + settings_.header_timeout).count()) + " ms");
    }
}

void ConnectionGate::expire_body(const Tracked& connection) {
    ::shutdown(connection.descriptor, SHUT_RD);  // ends the handler's read; it answers 408
    if (logger_.information()) {
        logger_.information("Gave up reading a request body from " + peer_of(connection.descriptor) + " after " +
                            std::to_string(settings_.body_timeout.count()) + " ms");
    }
}

}  // namespace plugin_host
