#include "http/turn_away.hpp"

#include "http/connection_io.hpp"
#include "http/event_loop.hpp"
#include "http/http_exchange.hpp"
#include "http/owned_descriptor.hpp"
#include "metrics/metrics_registry.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

namespace plugin_host {
namespace {

/// How long a client has to start its request before it is answered anyway.
constexpr auto kRequestWait = std::chrono::seconds(1);
/// How long the answer may take to go out.
constexpr auto kWriteWait = std::chrono::seconds(1);

/// The whole 503, as a connection would write it.
std::string busy_response() {
    HttpResponse busy = closing_error(503, "the server is at its connection capacity; retry in a second");
    busy.headers.emplace_back("Retry-After", "1");
    return response_head(busy, Poco::Net::HTTPMessage::HTTP_1_1, false) + busy.body;
}

/// On the loop thread: the whole exchange with one turned-away client.
Detached answer(std::shared_ptr<OwnedDescriptor> client, EventLoop& loop, std::atomic<std::size_t>& waiting) {
    ConnectionIo io(client->get(), &loop);
    // The answer goes out once the request has begun to arrive (or the wait is over): a
    // client's HTTP library expects no bytes before it has sent its request.
    const ConnectionIo::Status started = co_await io.wait_readable(ConnectionIo::Clock::now() + kRequestWait);
    if (started == ConnectionIo::Status::ok || started == ConnectionIo::Status::timed_out) {
        const std::string response = busy_response();
        const ConnectionIo::Status sent = co_await io.write({response, {}}, ConnectionIo::Clock::now() + kWriteWait);
        if (sent == ConnectionIo::Status::ok) co_await io.linger_before_close();
    }
    waiting.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace

TurnAway::TurnAway(Poco::Logger& logger) : logger_(logger) {}

void TurnAway::take(int descriptor, EventLoop& loop, Reason reason, std::size_t limit) {
    count_.fetch_add(1, std::memory_order_relaxed);
    log(reason, limit);
    auto client = std::make_shared<OwnedDescriptor>(descriptor);
    if (waiting_.fetch_add(1, std::memory_order_relaxed) >= kMaxWaiting) {
        waiting_.fetch_sub(1, std::memory_order_relaxed);
        // Too many at once: answered now, closed without lingering. The write never waits.
        const std::string response = busy_response();
        ::send(descriptor, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        return;
    }
    loop.post([client = std::move(client), &loop, &waiting = waiting_] { answer(client, loop, waiting); });
}

void TurnAway::log(Reason reason, std::size_t limit) {
    const auto now = Clock::now().time_since_epoch().count();
    std::atomic<Clock::rep>& last = logged_at_[static_cast<std::size_t>(reason)];
    auto logged = last.load(std::memory_order_relaxed);
    const auto every = std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(10)).count();
    if (now - logged < every || !last.compare_exchange_strong(logged, now)) return;
    if (reason == Reason::client_at_limit) {
        logger_.warning("A client address has max_connections_per_client (" + std::to_string(limit) +
                        ") connections open: its new connections are answered 503; " + std::to_string(count()) +
                        " clients turned away so far");
    } else {
        logger_.warning("At capacity (" + std::to_string(limit) + " connections): new clients are answered 503; " +
                        std::to_string(count()) + " so far");
    }
}

void TurnAway::collect_metrics(std::vector<prometheus::MetricFamily>& out) const {
    out.push_back(single_sample("plugin_host_connections_turned_away_total", prometheus::MetricType::Counter,
                                "Clients answered 503 because max_connections were open.",
                                static_cast<double>(count())));
}

}  // namespace plugin_host
