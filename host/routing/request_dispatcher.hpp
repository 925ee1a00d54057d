#pragma once

#include "http/http_exchange.hpp"
#include "routing/router.hpp"
#include "services/execution_service.hpp"
#include "services/filter_chain.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plugin_host {

class PluginDeferred;

/// Where a request is routed: first the host's own endpoints (/healthz, ...), then the
/// plugins' routes through the Router, whose handlers run inside the execution service.
/// HEAD is answered as GET (the connection leaves the body out); OPTIONS, unless a plugin
/// serves it, with 204 and Allow. A method no route can serve (not GET, HEAD, POST, PUT,
/// PATCH, DELETE or OPTIONS) → 501; unknown path → 404; known path, another method → 405
/// with Allow; a path with a bad %-escape → 400. The filters that apply to a request (none
/// on the host's own paths) run around all of that but 501 and 400 (FilterChain).
class RequestDispatcher {
public:
    using HostHandler = std::function<HttpResponse(const HttpRequest&)>;

    /// Who may call a host endpoint; others get 403.
    enum class Access { anyone, loopback_only };
    /// Where a host endpoint's handler runs: on a worker, or, for one that never waits
    /// (/healthz, /metrics: answered even when every worker is busy), on the loop thread.
    enum class Runs { on_worker, on_loop };

    RequestDispatcher(const Router& router, const ExecutionService& execution, RequestMetrics& metrics,
                      Poco::Logger& filter_logger = Poco::Logger::get("host.filters"));

    /// Adds an endpoint served by the host itself, at a path is_host_path() holds. Only
    /// before the server starts.
    void add_host_endpoint(std::string method, std::string path, HostHandler handler,
                           Access access = Access::anyone, Runs runs = Runs::on_worker);

    /// Called on worker threads (on loop threads where runs_on_loop() holds), concurrently.
    /// Never throws. The response says which
    /// endpoint's metrics the request counts under.
    ///
    /// A handler that defers (contract 2.2) gives a response whose `pending` is set: the
    /// filters' before-hooks have run; the checks, the after-hooks and counted_as apply when
    /// the plugin completes it, on its thread (PluginDeferred), and the answer then comes
    /// through the PendingResponse. The request need not outlive the call: what the
    /// after-hooks read of it is copied.
    HttpResponse dispatch(const HttpRequest& request) const;

    /// The answer dispatch() would give without running a handler (501, 404, 405, 403, 400,
    /// OPTIONS), or nothing if a handler will answer. Called on loop threads before a
    /// body the client waits to send (Expect: 100-continue), so that a request no endpoint
    /// takes is refused before it is uploaded. Never throws.
    std::optional<HttpResponse> refusal_before_body(const HttpRequest& request) const;

    /// The largest body the request may have: the own limit of the route dispatch() would
    /// give it to (Endpoint::max_body_bytes, from Registrar::set_max_body_bytes()), else
    /// `server_limit` ([server] max_body_bytes), as for a host path or a request no route
    /// takes. HEAD is looked up as GET. Called on loop threads by the connection, once
    /// the head is read and before the body is (request.path set). While no route has a
    /// limit of its own, it looks nothing up and takes no lock (Router::has_body_limits()).
    /// Never throws.
    std::size_t max_body_bytes(const HttpRequest& request, std::size_t server_limit) const {
        return router_.has_body_limits() ? route_body_limit(request, server_limit) : server_limit;
    }

    /// Whether dispatch() may run on the loop thread that read the request: its route's
    /// plugin, and that of every filter covering it, said it never waits
    /// (Registrar::never_blocks()), or it is a host endpoint added with Runs::on_loop. Other
    /// host endpoints, a route of a plugin that did not say so, and a request no route takes
    /// run on a worker. Called on loop threads, once the
    /// head is read. Never throws.
    bool runs_on_loop(const HttpRequest& request) const;

private:
    struct HostEndpoint {
        std::string method;
        std::string path;
        HostHandler handler;
        Access access;
        RequestMetrics::Counters* metrics;
        Runs runs;
    };

    /// The host's own endpoint for the request's path and method; else nothing, with the
    /// methods served at the path added to `allow`.
    const HostEndpoint* host_endpoint(const HttpRequest& request, std::string& allow) const;
    static HttpResponse host_unrouted(const HttpRequest& request, std::string allow);
    static bool refused_access(const HostEndpoint& endpoint, const HttpRequest& request);
    /// max_body_bytes() once some route has a limit: the route's lookup.
    std::size_t route_body_limit(const HttpRequest& request, std::size_t server_limit) const;
    /// The answer of `table`'s endpoint for the request, or the host's when none serves it.
    /// One that comes later: with `deferred`, its PluginDeferred goes there, to be released
    /// by the caller; without, it is released here.
    HttpResponse route(const RouteTable& table, const HttpRequest& request,
                       std::shared_ptr<PluginDeferred>* deferred = nullptr) const;
    /// route()'s deferred answer: counted as `counted_as` when it comes; released unless handed up.
    static void count_later(std::shared_ptr<PluginDeferred>& deferred, RequestMetrics::Counters* counted_as,
                            std::shared_ptr<PluginDeferred>* handed);
    /// dispatch_filtered()'s deferred answer: the after-hooks of the filters entered run when it comes.
    void filter_later(const RouteTable& table, const std::vector<const Filter*>& entered, const HttpRequest& request,
                      PluginDeferred& deferred) const;
    /// route() inside the filters that apply.
    HttpResponse dispatch_filtered(const RouteTable& table, const HttpRequest& request) const;
    /// The answer of the host's own endpoint at request.path (or 403, 404, 405).
    HttpResponse dispatch_to_host(const HttpRequest& request) const;
    /// The answer when no route takes the request: OPTIONS's, 405, 400 or 404.
    static HttpResponse unrouted(const HttpRequest& request, const RouteTable::Match& match);

    const Router& router_;
    const ExecutionService& execution_;
    RequestMetrics& metrics_;
    FilterChain filters_;
    std::vector<HostEndpoint> host_endpoints_;
};

/// Paths the host serves itself: /healthz, /metrics, /admin and everything below it. No
/// plugin route may claim them, and requests for them never reach the plugins.
bool is_host_path(std::string_view path);

}  // namespace plugin_host
