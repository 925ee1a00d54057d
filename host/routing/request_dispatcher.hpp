#pragma once

#include "http/http_exchange.hpp"
#include "routing/router.hpp"
#include "services/execution_service.hpp"

#include <functional>
#include <string>
#include <vector>

namespace plugin_host {

/// Where a request is routed: first the host's own endpoints (/healthz, ...), then the
/// plugins' endpoints through the Router, whose callbacks run inside the execution service.
/// Unknown path → 404, known path with another method → 405 with Allow, plugin endpoint
/// without a JSON Content-Type → 415.
class RequestDispatcher {
public:
    using HostHandler = std::function<HttpResponse(const HttpRequest&)>;

    /// Who may call a host endpoint; others get 403.
    enum class Access { anyone, loopback_only };

    RequestDispatcher(const Router& router, const ExecutionService& execution, RequestMetrics& metrics);

    /// Adds an endpoint served by the host itself. Only before the server starts.
    void add_host_endpoint(std::string method, std::string path, HostHandler handler,
                           Access access = Access::anyone);

    /// Called on request threads, concurrently. Never throws. The response says which
    /// endpoint's metrics the request counts under.
    HttpResponse dispatch(const HttpRequest& request) const;

private:
    struct HostEndpoint {
        std::string method;
        std::string path;
        HostHandler handler;
        Access access;
        RequestMetrics::Endpoint* metrics;
    };

    bool is_host_path(const std::string& path) const;
    /// The answer of the host's own endpoint at request.path (or 403, or 405).
    [[gnu::noinline]] HttpResponse dispatch_to_host(const HttpRequest& request) const;
    static HttpResponse from_reply(plugin_api::Reply&& reply, RequestMetrics::Endpoint* counted_as);
    // Cold answers, out of dispatch()'s frame (see ExecutionService on the stack budget).
    [[gnu::noinline, gnu::cold]] static HttpResponse unrouted(const HttpRequest& request, const Router::Match& match);
    [[gnu::noinline, gnu::cold]] static HttpResponse not_json(RequestMetrics::Endpoint* counted_as);

    const Router& router_;
    const ExecutionService& execution_;
    RequestMetrics& metrics_;
    std::vector<HostEndpoint> host_endpoints_;
};

}  // namespace plugin_host
