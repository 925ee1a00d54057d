#pragma once

#include "http/connection_gate.hpp"
#include "http/request_metrics.hpp"
#include "routing/request_dispatcher.hpp"
#include "routing/router.hpp"
#include "services/execution_service.hpp"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <chrono>
#include <cstdint>
#include <memory>

namespace test_support {

/// Poco's HTTPServer on 127.0.0.1:0 with the host's request handler factory and a
/// ConnectionGate, serving host endpoints only (no plugins):
///   GET /ping         → 200 {"pong":true}
///   POST /echo        → 200 {"bytes":<body size>}
///   POST /slow        → 200 after `slow_ms`
/// For tests of the gate and of request framing without the rest of the Host.
class GatedServer {
public:
    struct Settings {
        std::chrono::milliseconds keep_alive_timeout{2000};
        std::chrono::milliseconds header_timeout{1000};
        std::chrono::milliseconds body_timeout{1000};
        std::chrono::milliseconds receive_timeout{2000};
        std::size_t max_body_bytes = 1024;
        int slow_ms = 500;
        int max_threads = 32;  ///< connections served at once; more wait in Poco's queue
        std::chrono::milliseconds tick{20};  ///< how often the gate's watchdog looks
        std::size_t capacity = 0;            ///< the gate's connection capacity; 0: none
    };

    GatedServer() : GatedServer(Settings{}) {}
    explicit GatedServer(Settings settings);
    ~GatedServer();

    GatedServer(const GatedServer&) = delete;
    GatedServer& operator=(const GatedServer&) = delete;

    std::uint16_t port() const { return port_; }
    plugin_host::ConnectionGate& gate() { return *gate_; }

    /// Waits (bounded by `limit`) until the gate tracks no connection; returns whether it did.
    bool wait_until_no_connection_is_open(std::chrono::milliseconds limit = std::chrono::milliseconds(2000));

private:
    plugin_host::Router router_;
    plugin_host::ExecutionService execution_;
    plugin_host::RequestMetrics metrics_;
    plugin_host::RequestDispatcher dispatcher_;
    plugin_host::ConnectionGate::Ptr gate_;
    Poco::ThreadPool pool_;
    Poco::Net::ServerSocket socket_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    std::uint16_t port_ = 0;
};

}  // namespace test_support
