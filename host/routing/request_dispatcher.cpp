#include "routing/request_dispatcher.hpp"

#include "contract/plugin_deferred.hpp"

namespace plugin_host {
namespace {

/// HEAD is answered as GET; the connection leaves the body out.
std::string_view answered_as(const std::string& method) { return method == "HEAD" ? "GET" : std::string_view(method); }

/// Every method a route can serve, for OPTIONS *.
constexpr std::string_view kEveryMethod = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

HttpResponse method_not_allowed(std::string_view method, std::string_view path, std::string allow) {
    HttpResponse response = error_response(
        405, std::string(method) + " is not allowed on " + std::string(path) + " (allowed: " + allow + ")");
    response.headers.emplace_back("Allow", std::move(allow));
    return response;
}

/// RFC 9110 §9.1: a method no route can serve is one this server does not implement.
bool is_implemented(std::string_view method) {
    for (const std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
        if (method == known) return true;
    }
    return false;
}

HttpResponse not_implemented(std::string_view method) {
    return error_response(501, "the method " + std::string(method) + " is not implemented by this server");
}

HttpResponse options(std::string allow) {
    HttpResponse response;
    response.status = 204;
    response.headers.emplace_back("Allow", std::move(allow));
    return response;
}

}  // namespace

bool is_host_path(std::string_view path) {
    return path == "/healthz" || path == "/metrics" || path == "/admin" || path.starts_with("/admin/");
}

RequestDispatcher::RequestDispatcher(const Router& router, const ExecutionService& execution,
                                     RequestMetrics& metrics, Poco::Logger& filter_logger)
    : router_(router), execution_(execution), metrics_(metrics), filters_(filter_logger) {}

void RequestDispatcher::add_host_endpoint(std::string method, std::string path, HostHandler handler,
                                          Access access, Runs runs) {
    RequestMetrics::Counters* counters = &metrics_.endpoint(method, path);
    host_endpoints_.push_back({std::move(method), std::move(path), std::move(handler), access, counters, runs});
}

const RequestDispatcher::HostEndpoint* RequestDispatcher::host_endpoint(const HttpRequest& request,
                                                                       std::string& allow) const {
    const std::string_view method = answered_as(request.method());
    for (const HostEndpoint& endpoint : host_endpoints_) {
        if (endpoint.path != request.path) continue;
        if (endpoint.method == method) return &endpoint;
        if (!allow.empty()) allow += ", ";
        allow += endpoint.method;
        if (endpoint.method == "GET") allow += ", HEAD";
    }
    return nullptr;
}

HttpResponse RequestDispatcher::host_unrouted(const HttpRequest& request, std::string allow) {
    if (allow.empty()) return error_response(404, "no endpoint at " + request.path);
    if (request.method() == "OPTIONS") return options(std::move(allow));
    return method_not_allowed(request.method(), request.path, std::move(allow));
}

bool RequestDispatcher::refused_access(const HostEndpoint& endpoint, const HttpRequest& request) {
    return endpoint.access == Access::loopback_only && !request.from_loopback;
}

HttpResponse RequestDispatcher::dispatch_to_host(const HttpRequest& request) const {
    std::string allow;
    const HostEndpoint* const endpoint = host_endpoint(request, allow);
    if (!endpoint) return host_unrouted(request, std::move(allow));
    HttpResponse response = refused_access(*endpoint, request)
                                ? error_response(403, request.path + " answers loopback clients only")
                                : endpoint->handler(request);
    response.counted_as = endpoint->metrics;
    return response;
}

std::optional<HttpResponse> RequestDispatcher::refusal_before_body(const HttpRequest& request) const {
    try {
        if (!is_implemented(request.method())) return not_implemented(request.method());
        if (is_host_path(request.path)) {
            std::string allow;
            const HostEndpoint* const endpoint = host_endpoint(request, allow);
            if (!endpoint) return host_unrouted(request, std::move(allow));
            if (refused_access(*endpoint, request)) return dispatch_to_host(request);
            return std::nullopt;
        }
        if (request.path == "*") return options(std::string(kEveryMethod));
        const std::shared_ptr<const RouteTable> table = router_.table();
        if (!table->filters().empty() && !filters_for(*table, request).empty()) return std::nullopt;  // they may answer
        const RouteTable::Match match = table->find(answered_as(request.method()), request.path);
        if (match.outcome != RouteTable::Outcome::found) return unrouted(request, match);
        return std::nullopt;
    } catch (...) {
        return error_response(500, "internal error");
    }
}

std::size_t RequestDispatcher::route_body_limit(const HttpRequest& request, std::size_t server_limit) const {
    try {
        // As dispatch() routes: the host's own paths are never the plugins', even under a catch-all.
        if (!is_implemented(request.method()) || is_host_path(request.path)) return server_limit;
        const RouteTable::Match match = router_.find(answered_as(request.method()), request.path);
        if (match.outcome != RouteTable::Outcome::found || match.endpoint->max_body_bytes == 0) return server_limit;
        return match.endpoint->max_body_bytes;
    } catch (...) {
        return server_limit;  // out of memory: the server's limit, as dispatch() will answer 500
    }
}

bool RequestDispatcher::runs_on_loop(const HttpRequest& request) const {
    try {
        if (!is_implemented(request.method())) return false;
        if (is_host_path(request.path)) {
            std::string allow;
            const HostEndpoint* endpoint = host_endpoint(request, allow);
            return endpoint != nullptr && endpoint->runs == Runs::on_loop;
        }
        const std::shared_ptr<const RouteTable> table = router_.table();
        const RouteTable::Match match = table->find(answered_as(request.method()), request.path);
        if (match.outcome != RouteTable::Outcome::found || !match.endpoint->never_blocks) return false;
        if (table->filters().empty()) return true;
        for (const Filter* filter : filters_for(*table, request)) {
            if (!filter->never_blocks) return false;
        }
        return true;
    } catch (...) {
        return false;  // out of memory: a worker answers, as dispatch() would
    }
}

HttpResponse RequestDispatcher::unrouted(const HttpRequest& request, const RouteTable::Match& match) {
    switch (match.outcome) {
    case RouteTable::Outcome::method_not_allowed:
        if (request.method() == "OPTIONS") return options(match.allow);
        return method_not_allowed(request.method(), request.path, match.allow);
    case RouteTable::Outcome::bad_path:
        return error_response(400, "the path does not decode: a '%' is not followed by two hexadecimal digits");
    default:
        return error_response(404, "no endpoint at " + request.path);
    }
}

HttpResponse RequestDispatcher::dispatch(const HttpRequest& request) const {
    try {
        if (!is_implemented(request.method())) return not_implemented(request.method());
        if (is_host_path(request.path)) return dispatch_to_host(request);
        if (request.path == "*") return options(std::string(kEveryMethod));  // OPTIONS *, the only "*" let through

        const std::shared_ptr<const RouteTable> table = router_.table();
        if (!table->filters().empty()) return dispatch_filtered(*table, request);
        return route(*table, request);
    } catch (...) {
        return error_response(500, "internal error");
    }
}

HttpResponse RequestDispatcher::route(const RouteTable& table, const HttpRequest& request,
                                      std::shared_ptr<PluginDeferred>* handed) const {
    const RouteTable::Match match = table.find(answered_as(request.method()), request.path);
    if (match.outcome != RouteTable::Outcome::found) return unrouted(request, match);
    RequestMetrics::Counters* const counted_as = &metrics_.endpoint(match.endpoint->method, match.endpoint->path.text());
    std::shared_ptr<PluginDeferred> deferred;
    HttpResponse response = execution_.execute(match, request, &deferred);
    response.counted_as = counted_as;
    if (deferred) [[unlikely]] count_later(deferred, counted_as, handed);
    return response;
}

void RequestDispatcher::count_later(std::shared_ptr<PluginDeferred>& deferred, RequestMetrics::Counters* counted_as,
                                    std::shared_ptr<PluginDeferred>* handed) {
    deferred->then([counted_as](HttpResponse& answer) { answer.counted_as = counted_as; });
    if (handed) {
        *handed = std::move(deferred);
    } else {
        deferred->release();
    }
}

HttpResponse RequestDispatcher::dispatch_filtered(const RouteTable& table, const HttpRequest& request) const {
    const std::vector<const Filter*> applying = filters_for(table, request);
    if (applying.empty()) return route(table, request);
    std::shared_ptr<PluginDeferred> deferred;
    std::size_t entered = 0;
    HttpResponse response = filters_.run(
        applying, request,
        [&] {
            try {
                return route(table, request, &deferred);
            } catch (...) {
                return error_response(500, "internal error");
            }
        },
        &entered);
    if (deferred) [[unlikely]] {
        if (!response.pending) {
            deferred->disown();  // answered otherwise
        } else {
            filter_later(table, std::vector<const Filter*>(applying.begin(), applying.begin() + entered), request,
                         *deferred);
            deferred->release();
        }
    }
    return response;
}

void RequestDispatcher::filter_later(const RouteTable& table, const std::vector<const Filter*>& entered,
                                     const HttpRequest& request, PluginDeferred& deferred) const {
    // The filters, kept (with their plugins' code) until the answer comes; the request, copied,
    // if an after-hook will read it: the connection's may be gone by then.
    std::vector<RouteTable::FilterPtr> kept;
    bool any_after = false;
    for (const Filter* filter : entered) {
        for (const RouteTable::FilterPtr& held : table.filters()) {
            if (held.get() == filter) kept.push_back(held);
        }
        any_after = any_after || static_cast<bool>(filter->after);
    }
    if (!any_after) return;
    struct KeptRequest {
        std::string client_address;
        HttpRequest request;
    };
    auto copy = std::make_shared<KeptRequest>(KeptRequest{std::string(request.client_address), request});
    copy->request.client_address = copy->client_address;
    deferred.then([chain = filters_, kept = std::move(kept), copy = std::move(copy)](HttpResponse& answer) {
        std::vector<const Filter*> filters;
        for (const RouteTable::FilterPtr& filter : kept) filters.push_back(filter.get());
        chain.after(filters, copy->request, answer);
    });
}

}  // namespace plugin_host
