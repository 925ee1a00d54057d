#pragma once

#include "contract/plugin_request.hpp"
#include "contract/plugin_response.hpp"
#include "routing/endpoint.hpp"

#include <string>
#include <utility>
#include <vector>

namespace test_support {

/// Calls `endpoint`'s handler directly, as the execution service would but without its
/// barrier: a request of the endpoint's method with `body` and `content_type`, and
/// `parameters` for its path template. Returns what the handler answered.
inline plugin_host::HttpResponse call_handler(const plugin_host::Endpoint& endpoint, const std::string& body,
                                              const std::string& content_type = "application/json",
                                              std::vector<std::pair<std::string_view, std::string>> parameters = {}) {
    plugin_host::HttpRequest request;
    request.head.setMethod(endpoint.method);
    request.path = endpoint.path.text();
    if (!content_type.empty()) request.head.setContentType(content_type);
    request.body = body;
    const plugin_host::PluginRequest::Decoded query;
    const plugin_host::PluginRequest view(request, parameters, query);
    plugin_host::HttpResponse response;
    plugin_host::PluginResponse answer(response);
    endpoint.handler(view, answer);
    return response;
}

}  // namespace test_support
