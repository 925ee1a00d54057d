#include "routing/request_dispatcher.hpp"

#include "http/json_text.hpp"

#include <Poco/Ascii.h>

namespace plugin_host {
namespace {

bool is_json_content_type(std::string_view content_type) {
    constexpr std::string_view kJson = "application/json";
    if (content_type.size() < kJson.size()) return false;
    for (std::size_t i = 0; i < kJson.size(); ++i) {
        if (Poco::Ascii::toLower(content_type[i]) != kJson[i]) return false;
    }
    const std::string_view rest = content_type.substr(kJson.size());
    return rest.empty() || rest.front() == ';' || rest.front() == ' ';
}

/// HEAD is answered as GET; the connection leaves the body out.
std::string_view answered_as(const std::string& method) { return method == "HEAD" ? "GET" : std::string_view(method); }

HttpResponse method_not_allowed(std::string_view method, std::string_view path, std::string allow) {
    HttpResponse response = error_response(
        405, std::string(method) + " is not allowed on " + std::string(path) + " (allowed: " + allow + ")");
    response.headers.emplace_back("Allow", std::move(allow));
    return response;
}

}  // namespace

RequestDispatcher::RequestDispatcher(const Router& router, const ExecutionService& execution,
                                     RequestMetrics& metrics)
    : router_(router), execution_(execution), metrics_(metrics) {}

void RequestDispatcher::add_host_endpoint(std::string method, std::string path, HostHandler handler,
                                          Access access) {
    RequestMetrics::Endpoint* counters = &metrics_.endpoint(method, path);
    host_endpoints_.push_back({std::move(method), std::move(path), std::move(handler), access, counters});
}

bool RequestDispatcher::is_host_path(const std::string& path) const {
    for (const HostEndpoint& endpoint : host_endpoints_) {
        if (endpoint.path == path) return true;
    }
    return false;
}

HttpResponse RequestDispatcher::dispatch_to_host(const HttpRequest& request) const {
    std::string allow;
    const std::string_view method = answered_as(request.method());
    for (const HostEndpoint& endpoint : host_endpoints_) {
        if (endpoint.path != request.path) continue;
        if (endpoint.method != method) {
            if (!allow.empty()) allow += ", ";
            allow += endpoint.method;
            if (endpoint.method == "GET") allow += ", HEAD";
            continue;
        }
        HttpResponse response = endpoint.access == Access::loopback_only && !request.from_loopback
                                    ? error_response(403, request.path + " answers loopback clients only")
                                    : endpoint.handler(request);
        response.counted_as = endpoint.metrics;
        return response;
    }
    return method_not_allowed(request.method(), request.path, std::move(allow));
}

HttpResponse RequestDispatcher::from_reply(plugin_api::Reply&& reply, RequestMetrics::Endpoint* counted_as) {
    HttpResponse response;
    response.status = reply.status;
    response.body = std::move(reply.body);
    response.counted_as = counted_as;
    return response;
}

HttpResponse RequestDispatcher::unrouted(const HttpRequest& request, const Router::Match& match) {
    if (match.outcome == Router::Outcome::method_not_allowed) {
        return method_not_allowed(request.method(), request.path, match.allow);
    }
    return error_response(404, "no endpoint at " + request.path);
}

HttpResponse RequestDispatcher::not_json(RequestMetrics::Endpoint* counted_as) {
    HttpResponse refused = error_response(415, "Content-Type must be application/json");
    refused.counted_as = counted_as;
    return refused;
}

HttpResponse RequestDispatcher::dispatch(const HttpRequest& request) const {
    try {
        if (is_host_path(request.path)) return dispatch_to_host(request);

        const Router::Match match = router_.find(answered_as(request.method()), request.path);
        if (match.outcome != Router::Outcome::found) return unrouted(request, match);
        RequestMetrics::Endpoint* const counted_as = &metrics_.endpoint(match.endpoint->method, match.endpoint->path);
        if (!is_json_content_type(request.content_type())) return not_json(counted_as);

        return from_reply(execution_.execute(match.endpoint->plugin_name, request.body, match.endpoint->callback),
                          counted_as);
    } catch (...) {
        return error_response(500, "internal error");
    }
}

}  // namespace plugin_host
