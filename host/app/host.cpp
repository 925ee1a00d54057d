#include "app/host.hpp"

#include "http/json_text.hpp"
#include "http/request_handler_factory.hpp"

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SocketAddress.h>

namespace plugin_host {
namespace {

Poco::Net::ServerSocket listen_on(const ServerConfig& server) {
    return Poco::Net::ServerSocket(Poco::Net::SocketAddress(server.address, server.port),
                                   server.listen_backlog);
}

Poco::Timespan to_timespan(std::chrono::milliseconds duration) {
    return Poco::Timespan(duration.count() * 1000);
}

}  // namespace

Host::Host(HostConfig config)
    : config_(std::move(config)),
      repository_(config_.repository_delay, Poco::Logger::get("host.repository")),
      execution_(Poco::Logger::get("host.execution")),
      plugins_(router_, repository_, Poco::Logger::get("host.plugins")),
      dispatcher_(router_, execution_),
      socket_(listen_on(config_.server)) {
    dispatcher_.add_host_endpoint("GET", "/healthz", [this](const HttpRequest&) { return health(); });
    plugins_.load_all(config_.plugins);
}

Host::~Host() { stop(); }

void Host::start() {
    const ServerConfig& server = config_.server;
    const int min_threads = server.prestart_threads ? server.max_connections : 1;
    pool_ = std::make_unique<Poco::ThreadPool>(min_threads, server.max_connections, 60,
                                               server.thread_stack_kib * 1024);

    Poco::AutoPtr<Poco::Net::HTTPServerParams> params(new Poco::Net::HTTPServerParams);
    params->setMaxThreads(server.max_connections);
    params->setMaxQueued(server.max_queued);
    params->setKeepAlive(server.keep_alive);
    params->setKeepAliveTimeout(to_timespan(server.keep_alive_timeout));
    params->setMaxKeepAliveRequests(server.max_keep_alive_requests);
    params->setTimeout(to_timespan(server.receive_timeout));

    server_ = std::make_unique<Poco::Net::HTTPServer>(
        new RequestHandlerFactory(dispatcher_, server.max_body_bytes), *pool_, socket_, params);
    server_->start();
    Poco::Logger::get("host").information(
        "Listening on " + socket_.address().toString() + " with " +
        std::to_string(server.max_connections) + " connection threads");
}

void Host::stop() {
    if (!server_) return;
    server_->stopAll(false);
    socket_.close();
    pool_->joinAll();
    server_.reset();
    pool_.reset();
}

std::uint16_t Host::port() const { return socket_.address().port(); }

HttpResponse Host::health() const {
    std::string loaded;
    std::string missing;
    for (const PluginStatus& plugin : plugins_.status()) {
        std::string& list = plugin.loaded ? loaded : missing;
        if (!list.empty()) list += ',';
        list.append("\"").append(json_escape(plugin.name)).append("\"");
    }
    if (missing.empty()) return {200, "{\"status\":\"ok\",\"plugins\":[" + loaded + "]}", {}, false};
    return {503, "{\"status\":\"degraded\",\"plugins\":[" + loaded + "],\"missing\":[" + missing + "]}",
            {}, false};
}

}  // namespace plugin_host
