#pragma once

#include "http/http_exchange.hpp"

#include <Poco/Net/HTTPRequest.h>

#include <optional>
#include <string_view>

namespace plugin_host {

/// Whether `value` is a Host field value RFC 9112 §3.2 allows: uri-host [ ":" port ] of
/// RFC 3986 (a registered name, an IPv4 address, or an IP literal in brackets, then
/// digits after a colon), or empty.
bool is_valid_host(std::string_view value);

/// RFC 9112 §3.2 on a request head, on the connection's thread: 400 for an HTTP/1.1 request
/// without a Host field, for any request with more than one, and for a value that is not
/// a valid host[:port]. Nothing if the head passes.
std::optional<HttpResponse> check_host(const Poco::Net::HTTPRequest& request);

}  // namespace plugin_host
