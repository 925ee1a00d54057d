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

HttpResponse method_not_allowed(std::string_view method, std::string_view path, std::string allow) {
    HttpResponse response = error_response(
        405, std::string(method) + " is not allowed on " + std::string(path) + " (allowed: " + allow + ")");
    response.headers.emplace_back("Allow", std::move(allow));
    return response;
}

}  // namespace

HttpResponse json_response(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

HttpResponse error_response(int status, std::string_view message) { return json_response(status, json_error(message)); }

RequestDispatcher::RequestDispatcher(const Router& router, const ExecutionService& execution,
                                     RequestMetrics& metrics)
    : router_(router), execution_(execution), metrics_(metrics) {}

void RequestDispatcher::add_host_endpoint(std::string method, std::string path, HostHandler handler,
                                          Access access) {
    RequestMetrics::Endpoint* counters = &metrics_.endpoint(method, path);
    host_endpoints_.push_back({std::move(method), std::move(path), std::move(handler), access, counters});
}

HttpResponse RequestDispatcher::dispatch_to_host(const HttpRequest& request, bool& matched) const {
    std::string allow;
    for (const HostEndpoint& endpoint : host_endpoints_) {
        if (endpoint.path != request.path) continue;
        matched = true;
        if (endpoint.method != request.method) {
            if (!allow.empty()) allow += ", ";
            allow += endpoint.method;
            continue;
        }
        HttpResponse response = endpoint.access == Access::loopback_only && !request.from_loopback
                                    ? error_response(403, request.path + " answers loopback clients only")
                                    : endpoint.handler(request);
        response.counted_as = endpoint.metrics;
        return response;
    }
    if (!matched) return {};
    return method_not_allowed(request.method, request.path, std::move(allow));
}

HttpResponse RequestDispatcher::dispatch(const HttpRequest& request) const {
    try {
        bool host_path = false;
        HttpResponse host_response = dispatch_to_host(request, host_path);
        if (host_path) return host_response;

        const Router::Match match = router_.find(request.method, request.path);
        switch (match.outcome) {
        case Router::Outcome::not_found:
            return error_response(404, "no endpoint at " + request.path);
        case Router::Outcome::method_not_allowed:
            return method_not_allowed(request.method, request.path, match.allow);
        case Router::Outcome::found:
            break;
        }
        HttpResponse response;
        response.counted_as = &metrics_.endpoint(match.endpoint->method, match.endpoint->path);
        if (!is_json_content_type(request.content_type)) {
            HttpResponse refused = error_response(415, "Content-Type must be application/json");
            refused.counted_as = response.counted_as;
            return refused;
        }
        plugin_api::Reply reply =
            execution_.execute(match.endpoint->plugin_name, request.body, match.endpoint->callback);
        response.status = reply.status;
        response.body = std::move(reply.body);
        return response;
    } catch (...) {
        return error_response(500, "internal error");
    }
}

}  // namespace plugin_host
