#pragma once

#include "http/http_exchange.hpp"

#include <Poco/Net/HTTPServerRequest.h>

#include <cstddef>
#include <optional>
#include <string>

namespace plugin_host {

// How a request's body is framed and read. Called by the request handler on the
// connection's thread, after Poco has parsed the request header. Every error response here
// closes the connection: after a framing error, the rest of the stream cannot be trusted to
// begin the next request (request smuggling).

/// The checks of the request line and framing headers that Poco does not make (RFC 9112):
/// - an HTTP version other than 1.0 and 1.1: 505, or 400 if it is not HTTP/<digit>.<digit>;
/// - an HTTP/1.1 request without exactly one Host header: 400;
/// - a Transfer-Encoding other than `chunked`: 400 when chunked is not the last coding (the
///   length cannot be known), else 501; any Transfer-Encoding in HTTP/1.0: 400;
/// - Transfer-Encoding together with Content-Length, a Content-Length that is not a decimal
///   number, or several different ones: 400.
/// Returns the error response, or nothing if the request may be read.
std::optional<HttpResponse> check_framing(const Poco::Net::HTTPServerRequest& request);

/// Reads the body of a request that passed check_framing() into `body`: exactly
/// Content-Length bytes, or a chunked body decoded strictly (a malformed chunk is an error,
/// never taken for the end of the body). Returns the error response, or nothing:
/// 411 for a POST, PUT or PATCH with neither; 413 past `limit` bytes; 400 for a body that is
/// malformed or ends early; 408 for one that does not arrive within the receive timeout.
std::optional<HttpResponse> read_body(Poco::Net::HTTPServerRequest& request, std::size_t limit, std::string& body);

}  // namespace plugin_host
