#include "support/gated_server.hpp"

#include "http/request_handler_factory.hpp"

#include <Poco/Net/HTTPServerParams.h>

#include <thread>

namespace test_support {
namespace {

Poco::Timespan to_timespan(std::chrono::milliseconds duration) { return Poco::Timespan(duration.count() * 1000); }

}  // namespace

GatedServer::GatedServer(Settings settings)
    : execution_(Poco::Logger::get("host.execution")),
      dispatcher_(router_, execution_, metrics_),
      gate_(new plugin_host::ConnectionGate(
          {settings.keep_alive_timeout, settings.header_timeout, settings.body_timeout, settings.receive_timeout,
           settings.tick, settings.capacity,
           [this] {
               return static_cast<std::size_t>(server_->currentConnections() + server_->queuedConnections());
           }},
          Poco::Logger::get("host"))),
      pool_(2, 32),
      socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    dispatcher_.add_host_endpoint("GET", "/ping", [](const plugin_host::HttpRequest&) {
        return plugin_host::HttpResponse{200, R"({"pong":true})", {}, false};
    });
    dispatcher_.add_host_endpoint("POST", "/echo", [](const plugin_host::HttpRequest& request) {
        return plugin_host::HttpResponse{200, "{\"bytes\":" + std::to_string(request.body.size()) + "}", {}, false};
    });
    dispatcher_.add_host_endpoint("POST", "/slow", [slow_ms = settings.slow_ms](const plugin_host::HttpRequest&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms));
        return plugin_host::HttpResponse{200, R"({"slow":true})", {}, false};
    });

    Poco::AutoPtr<Poco::Net::HTTPServerParams> params(new Poco::Net::HTTPServerParams);
    params->setMaxThreads(settings.max_threads);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(to_timespan(settings.keep_alive_timeout));
    params->setTimeout(to_timespan(settings.receive_timeout));
    server_ = std::make_unique<Poco::Net::HTTPServer>(
        new plugin_host::RequestHandlerFactory(dispatcher_, metrics_, settings.max_body_bytes, gate_.get()), pool_, socket_,
        params);
    server_->setConnectionFilter(gate_);
    server_->start();
    port_ = socket_.address().port();
}

GatedServer::~GatedServer() {
    server_->stopAll(true);
    pool_.joinAll();
    server_.reset();
    gate_->stop();
}

bool GatedServer::wait_until_no_connection_is_open(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (gate_->open_connections() > 0) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace test_support
