// libFuzzer target for the request path below the socket: the input is what a client sends
// on one connection. It goes through what a live request goes through — the host's
// connection layer (serve_connection() on an EventLoop: request head, framing, body, 100-continue, keep-alive,
// pipelining) and ConnectionGate, the RequestDispatcher, Router and ExecutionService, and
// endpoint callbacks — over a real loopback TCP connection. The answers are read back and
// checked:
// - every response is well formed, has a Content-Length, and every body the host writes is
//   a JSON object (an answer to HEAD has none);
// - a 500 comes only from the endpoints that throw on purpose (any other 500 means the
//   handler itself threw, which must not happen).
// Any violation aborts, which libFuzzer reports as a crash.
#include "app/http_settings.hpp"
#include "http/connection_gate.hpp"
#include "http/http_connection.hpp"
#include "http/json_body.hpp"
#include "routing/request_dispatcher.hpp"
#include "routing/router.hpp"
#include "services/execution_service.hpp"
#include "services/repository_service.hpp"
#include "seed/seed_request.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/NullChannel.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace {

using namespace plugin_host;

[[noreturn]] void violated(const std::string& what, std::string_view answer) {
    std::fprintf(stderr, "request_fuzzer: %s\n--- answer ---\n%.*s\n", what.c_str(), static_cast<int>(answer.size()),
                 answer.data());
    std::abort();
}

/// The host's request path with in-process endpoints (no shared objects to load): the seed's
/// POST /first (the seed plugins' own request rules), GET /items/{id} and
/// GET /files/{path...} (a JSON echo of their parameters and query), POST /throws (throws
/// std::runtime_error), /throws/other (throws an int), and the host's /healthz and a
/// loopback-only /admin/status.
class Harness {
public:
    Harness()
        : repository_(std::chrono::milliseconds(0), quiet_logger("host.repository")),
          execution_(quiet_logger("host.execution")),
          dispatcher_(router_, execution_, metrics_),
          gate_({.capacity = 0}),
          loop_("fuzz-loop"),
          workers_({.limit = 4, .stack_bytes = 256 * 1024}),
          connections_{settings(), dispatcher_, metrics_, gate_, workers_, quiet_logger("host")},
          listener_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
        const std::array<std::string, 2> names{"first_first", "first_second"};
        const auto echo = [](const plugin_api::Request& request, plugin_api::Response& response) {
            JsonDocument body{{"path", request.path()}};
            for (const char* name : {"id", "path"}) {
                if (const auto value = request.path_parameter(name)) body[name] = *value;
            }
            for (const auto& [name, value] : request.query_parameters()) body["q:" + std::string(name)] = value;
            response.set_body(json_body(body));
        };
        router_.publish(std::make_shared<const RouteTable>(std::vector<RouteTable::EndpointPtr>{
            endpoint("first", "POST", "/first",
                     [this, names](const plugin_api::Request& request, plugin_api::Response& response) {
                         if (const auto sequence = seed::read_sequence(request, response)) {
                             response.set_body(seed::result_body(repository_.call(names, *sequence)));
                         }
                     }),
            endpoint("items", "GET", "/items/{id}", echo),
            endpoint("files", "GET", "/files/{path...}", echo),
            endpoint("throwing", "POST", "/throws",
                     [](const plugin_api::Request&, plugin_api::Response&) { throw std::runtime_error("on purpose"); }),
            endpoint("throwing", "POST", "/throws/other", [](const plugin_api::Request&, plugin_api::Response&) { throw 7; }),
        }));
        dispatcher_.add_host_endpoint("GET", "/healthz", [](const HttpRequest&) {
            return json_response(200, R"({"status":"ok","plugins":["first"]})");
        });
        dispatcher_.add_host_endpoint(
            "GET", "/admin/status", [](const HttpRequest&) { return json_response(200, "{}"); },
            RequestDispatcher::Access::loopback_only);
    }

    /// Serves `input` as one connection's bytes; returns everything the server answered.
    std::string serve(std::string_view input) {
        Poco::Net::StreamSocket client(listener_.address());
        // As the Acceptor hands a connection to the gate: a bare descriptor, TCP_NODELAY set.
        const int accepted = ::accept4(listener_.impl()->sockfd(), nullptr, nullptr, SOCK_CLOEXEC);
        if (accepted < 0) throw std::runtime_error("accept4 failed");
        const int on = 1;
        ::setsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        client.setNoDelay(true);
        std::string answer;
        std::thread peer([&client, input, &answer] { play_client(client.impl()->sockfd(), input, answer); });
        // Served on the loop thread, as the Host does; it closes the connection at its end,
        // which ends the client's side.
        loop_.post([this, accepted, ticket = gate_.accept(accepted).ticket] {
            serve_connection(Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(accepted)), ticket, loop_,
                             connections_);
        });
        peer.join();
        return answer;
    }

private:
    static HttpSettings settings() {
        HttpSettings settings = http_settings(ServerConfig{});  // shorter deadlines, a smaller body
        settings.keep_alive_timeout = std::chrono::seconds(2);
        settings.header_timeout = std::chrono::seconds(2);
        settings.body_timeout = std::chrono::seconds(2);
        settings.receive_timeout = std::chrono::seconds(2);
        settings.max_body_bytes = 4096;
        return settings;
    }

    static Poco::Logger& quiet_logger(const std::string& name) {
        Poco::Logger& logger = Poco::Logger::get(name);
        logger.setChannel(new Poco::NullChannel);  // formats every message, writes none
        logger.setLevel(Poco::Message::PRIO_DEBUG);
        return logger;
    }

    static RouteTable::EndpointPtr endpoint(std::string plugin, std::string method, std::string path,
                                            plugin_api::Handler handler) {
        return std::make_shared<const Endpoint>(
            Endpoint{nullptr, std::move(plugin), std::move(method), RouteTemplate::parse(path), std::move(handler)});
    }

    /// The client's side: writes `input`, then ends its sending, and reads until the server
    /// closes; one thread, non-blocking, so that neither side can wait for the other forever.
    static void play_client(int descriptor, std::string_view input, std::string& answer) {
        std::array<char, 65536> buffer{};
        bool sending = true;
        for (int rounds = 0; rounds < 100000; ++rounds) {
            if (sending && input.empty()) {
                ::shutdown(descriptor, SHUT_WR);
                sending = false;
            }
            pollfd wanted{descriptor, static_cast<short>(POLLIN | (sending ? POLLOUT : 0)), 0};
            if (::poll(&wanted, 1, 5000) <= 0) return;
            if (sending && (wanted.revents & POLLOUT) != 0) {
                const ssize_t sent = ::send(descriptor, input.data(), input.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
                if (sent < 0) sending = false;
                if (sent > 0) input.remove_prefix(static_cast<std::size_t>(sent));
            }
            if ((wanted.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                const ssize_t got = ::recv(descriptor, buffer.data(), buffer.size(), MSG_DONTWAIT);
                if (got == 0 || (got < 0 && errno != EAGAIN)) return;
                if (got > 0) answer.append(buffer.data(), static_cast<std::size_t>(got));
            }
        }
    }

    Router router_;
    RepositoryService repository_;
    ExecutionService execution_;
    RequestMetrics metrics_;
    RequestDispatcher dispatcher_;
    ConnectionGate gate_;
    EventLoop loop_;       ///< destroyed after the workers: they hand connections back to it
    WorkerPool workers_;
    ConnectionContext connections_;
    Poco::Net::ServerSocket listener_;
};

/// Checks every response in `answer`.
void check_answer(std::string_view answer) {
    std::string_view rest = answer;
    while (!rest.empty()) {
        if (!rest.starts_with("HTTP/1.")) violated("a response does not start with HTTP/1.x", answer);
        const auto head_end = rest.find("\r\n\r\n");
        if (head_end == std::string_view::npos) violated("a response head does not end", answer);
        const std::string_view head = rest.substr(0, head_end);
        const int status = std::atoi(std::string(head.substr(9, 3)).c_str());
        if (status < 100 || status > 599) violated("a response has an impossible status", answer);
        rest.remove_prefix(head_end + 4);
        if (status < 200) continue;
        if (status == 204 || status == 304) {  // never a body, never a length
            if (head.find("Content-Length: ") != std::string_view::npos) violated("a 204 or 304 with a length", answer);
            continue;
        }
        const auto length_at = head.find("Content-Length: ");
        if (length_at == std::string_view::npos) violated("an answer without Content-Length", answer);
        const std::size_t length = std::strtoul(std::string(head.substr(length_at + 16)).c_str(), nullptr, 10);
        if (rest.empty() || rest.starts_with("HTTP/1.")) continue;  // the answer to HEAD: no body
        if (length > rest.size()) violated("a response body is shorter than its Content-Length", answer);
        const std::string body(rest.substr(0, length));
        rest.remove_prefix(length);
        if (!nlohmann::json::accept(body)) violated("a response body is not JSON: " + body, answer);
        if (!body.starts_with('{')) violated("a response body is not a JSON object", answer);
        if (status == 500 && body != R"({"error":"endpoint throwing failed"})") {
            violated("a 500 that no endpoint asked for", answer);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Harness& harness = *new Harness;  // lives for the whole run
    check_answer(harness.serve(std::string_view(reinterpret_cast<const char*>(data), size)));
    return 0;
}
