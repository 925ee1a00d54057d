#pragma once

#include "http/request_metrics.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plugin_host {

/// A request as the dispatcher sees it: read off the socket, body complete.
struct HttpRequest {
    std::string method;
    std::string path;          ///< the URI's path, without query string
    std::string content_type;  ///< as sent, possibly with parameters
    std::string body;
    bool from_loopback = false;  ///< the client connected from 127.0.0.0/8 or ::1
};

/// The answer to one request.
struct HttpResponse {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  ///< beyond Content-Type/Length
    bool close_connection = false;
    std::string_view content_type = "application/json";  ///< a string literal
    /// The endpoint the request is counted under; nullptr: it reached none.
    RequestMetrics::Endpoint* counted_as = nullptr;
};

}  // namespace plugin_host
