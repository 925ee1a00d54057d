#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServer.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace plugin_host {

/// Keeps track of every connection the HTTP server accepts, so that no client can hold a
/// connection thread by sending slowly, and so that stopping can tell idle connections from
/// busy ones. Poco's HTTPServer only bounds each single read (receive_timeout), so a client
/// sending a byte a second would otherwise keep a thread forever.
///
/// Who calls what:
/// - Poco's acceptor thread calls accept() for every new connection (the gate is installed
///   as the server's connection filter): it asks admit(), then tracks the connection.
/// - The request handler, on the connection's pool thread, reports each request's progress:
///   header_received() once Poco has parsed the header, body_received() once the body is
///   read, response_sent() once the answer is written.
/// - The gate's own watchdog thread enforces two deadlines: a connection waiting for a
///   request must deliver a complete header within idle_wait + header_timeout of being
///   accepted or of its last response (else it is answered 408 and closed); a body must be
///   complete within body_timeout of its header (else its read side is closed and the
///   handler answers 408). It also forgets connections Poco is done with.
/// - The thread stopping the host calls begin_drain(), open_connections() and abort_all().
///
/// The gate acts on a descriptor of its own for each connection (a dup), so what the
/// watchdog does can only ever reach that connection: Poco closes its descriptor when the
/// connection ends, and the number may at once be reused for another. The gate also keeps a
/// copy of Poco's socket; once that copy holds the last reference, Poco has finished with
/// the connection, and the watchdog forgets it and closes its own descriptor. Until then the
/// connection stays open, so a handler that ends a connection shuts its sending side itself.
///
/// Owned through AutoPtr by the Host and by the HTTPServer (Poco's filters are reference
/// counted).
class ConnectionGate final : public Poco::Net::TCPServerConnectionFilter {
public:
    using Ptr = Poco::AutoPtr<ConnectionGate>;
    using Clock = std::chrono::steady_clock;

    struct Settings {
        std::chrono::milliseconds idle_wait{};       ///< the keep-alive wait before a request
        std::chrono::milliseconds header_timeout{};  ///< beyond idle_wait, for the whole header
        std::chrono::milliseconds body_timeout{};    ///< from the header to the end of the body
        std::chrono::milliseconds send_timeout{};    ///< how long one write to the client may block
        std::chrono::milliseconds tick{20};          ///< how often the watchdog looks
        /// Connections served at once; beyond it, a new client is answered 503 with
        /// Retry-After and closed. 0: no limit.
        std::size_t capacity = 0;
        /// How many connections the server holds now (served and queued); called by accept().
        std::function<std::size_t()> open_connections;
    };

    /// One tracked connection; opaque outside the gate.
    struct Tracked;
    /// What the request handler holds for the connection its request came on; empty if the
    /// connection is not tracked (then every deadline counts as met).
    using Ticket = std::shared_ptr<Tracked>;

    enum class Deadline { met, missed };

    /// Starts the watchdog thread.
    ConnectionGate(Settings settings, Poco::Logger& logger);

    ConnectionGate(const ConnectionGate&) = delete;
    ConnectionGate& operator=(const ConnectionGate&) = delete;

    /// Poco's acceptor thread: true to serve the connection (then it is tracked), false to
    /// have Poco close it at once.
    bool accept(const Poco::Net::StreamSocket& socket) override;

    /// Request thread, when Poco has parsed a request header. Sets `ticket` to the
    /// connection's. `missed`: the header came after its deadline, the watchdog has already
    /// answered 408 and closed the connection; the handler must not answer.
    Deadline header_received(Poco::Net::HTTPServerRequest& request, Ticket& ticket);

    /// Request thread, when the body is read. `missed`: the body did not arrive in time (the
    /// watchdog closed the read side, which ended the read); the handler answers 408.
    Deadline body_received(const Ticket& ticket);

    /// Request thread, when the response is written: the connection waits for its next request.
    void response_sent(const Ticket& ticket);

    /// Stopping: refuse new connections; the watchdog closes idle connections that have no
    /// request pending, and request handlers answer with `Connection: close`.
    void begin_drain();
    bool draining() const { return draining_.load(std::memory_order_relaxed); }

    /// Connections accepted and not yet finished by Poco (seen by the watchdog's last look).
    std::size_t open_connections() const;

    /// Shuts down every tracked connection (both directions): requests still in flight can
    /// no longer be answered. Returns how many there were.
    std::size_t abort_all();

    /// Clients answered 503 because the server was at capacity, since start.
    std::uint64_t turned_away() const { return turned_away_total_.load(std::memory_order_relaxed); }

    /// Stops the watchdog; deadlines are no longer enforced. Idempotent.
    void stop();

private:
    enum class Phase : int;  // of a tracked connection: defined with Tracked

    ~ConnectionGate() override;

    /// Whether a newly accepted connection may be served: not while draining, not beyond
    /// capacity. Called by accept() before it tracks the connection.
    enum class Admission { serve, drop, busy };
    Admission admit() const;

    /// A client the server has no room for: once its request begins to arrive (within a
    /// second), the watchdog answers 503 with Retry-After and closes the sending side, then
    /// reads what the client still sends (so that closing does not reset the connection
    /// before the answer is read) and closes it within a second. Acceptor thread.
    void turn_away(const Poco::Net::StreamSocket& socket);
    static void answer_busy(int descriptor);
    /// Watchdog thread: answers, drains and closes turned-away connections as they are due.
    void linger_turned_away(Clock::time_point now);

    Ticket find(Poco::Net::HTTPServerRequest& request);
    void watch();
    void look(Clock::time_point now);
    void expire_waiting(const Tracked& connection);
    void expire_body(const Tracked& connection);
    Clock::time_point next_request_deadline(Clock::time_point now) const;

    const Settings settings_;
    Poco::Logger& logger_;
    std::atomic<bool> draining_{false};

    mutable std::mutex mutex_;  ///< guards tracked_
    std::unordered_map<const Poco::Net::SocketImpl*, Ticket> tracked_;

    struct TurnedAway {
        int descriptor;                ///< the gate's own dup; Poco closed its descriptor
        bool answered;                 ///< the 503 is sent
        Clock::time_point deadline;    ///< to answer by; once answered, to close by
    };
    std::mutex turned_away_mutex_;  ///< guards turned_away_
    std::vector<TurnedAway> turned_away_;
    std::atomic<std::uint64_t> turned_away_total_{0};
    std::atomic<Clock::rep> busy_logged_at_{0};

    std::mutex watchdog_mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread watchdog_;
};

}  // namespace plugin_host
