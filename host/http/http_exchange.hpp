#pragma once

#include "metrics/request_metrics.hpp"

#include <Poco/Net/HTTPRequest.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plugin_host {

class PendingResponse;

/// A request as the dispatcher sees it: its head read off the socket, its body complete.
/// Built on the connection's loop thread for one request, and read there or by the worker
/// that runs its handler (never both at once).
struct HttpRequest {
    /// Method, request target, version and header fields as received (HTTP/1.1 until the
    /// request line is read, so that an answer to a malformed one is HTTP/1.1).
    Poco::Net::HTTPRequest head{Poco::Net::HTTPMessage::HTTP_1_1};
    /// The same header fields in the order sent: `head` groups repeated names together.
    std::vector<std::pair<std::string, std::string>> fields;
    std::string path;             ///< the target's path, still percent-encoded, without the query
    std::string query;            ///< the target's query, without '?'; empty if none
    std::string body;
    std::string_view client_address;  ///< "address:port" of the client; owned by the connection
    bool from_loopback = false;       ///< the client connected from 127.0.0.0/8 or ::1

    const std::string& method() const { return head.getMethod(); }
    /// The Content-Type as sent, possibly with parameters; empty if none.
    const std::string& content_type() const { return head.getContentType(); }
};

/// The answer to one request.
struct HttpResponse {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  ///< beyond Content-Type/Length
    bool close_connection = false;
    std::string content_type = "application/json";
    /// The endpoint the request is counted under; nullptr: it reached none.
    RequestMetrics::Counters* counted_as = nullptr;
    std::shared_ptr<PendingResponse> pending;  ///< set: the answer comes later, through it; the other fields are unused
};

/// A response with a JSON body.
HttpResponse json_response(int status, std::string body);

/// An error response with the body {"error": message}.
HttpResponse error_response(int status, std::string_view message);

/// error_response(), and the connection closes after it: for a request whose framing or
/// head cannot be trusted, so nothing after it on the connection can be either.
HttpResponse closing_error(int status, std::string_view message);

/// Whether a response of `status` never has a body: 1xx, 204 and 304 (RFC 9110 §6.4.1).
bool has_no_body(int status);

/// The status line and header fields of `response`, by Poco::Net::HTTPResponse: in `version`
/// (HTTP/1.0 or HTTP/1.1), with Date, the Connection field `keep_alive` says, the headers
/// the handler set, and Content-Type and Content-Length unless the status has no body. What
/// a connection writes before the body; TurnAway's whole answer with it.
std::string response_head(const HttpResponse& response, const std::string& version, bool keep_alive);

}  // namespace plugin_host
