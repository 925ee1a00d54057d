#pragma once

#include "http/connection_io.hpp"
#include "http/http_exchange.hpp"

#include <Poco/Net/HTTPRequest.h>

#include <optional>

namespace plugin_host {

/// Limits on a request head; a head beyond them is refused before it is stored. From the
/// [server] max_request_line_bytes, max_header_field_bytes and max_header_fields.
struct HeadLimits {
    std::size_t max_request_line{};  ///< the request line, without its line end
    std::size_t max_field_line{};    ///< one field line, without its line end
    int max_fields{};
};

/// How reading a request head ended.
struct HeadOutcome {
    enum class Kind {
        complete,    ///< the head is in the request
        no_request,  ///< the connection ended, or stayed idle, before a request began
        refused,     ///< `answer` says why; the connection must close after it
    };
    Kind kind = Kind::complete;
    std::optional<HttpResponse> answer;
};

/// Reads one request head (RFC 9112 §2-5) from `io` into `request.head` and, in the order
/// sent, `request.fields`: empty lines before the request line are skipped; the request line must be
/// `method SP request-target SP HTTP/d.d` and each field line `name: value` with a token
/// for the name, nothing between it and the colon, and no control character in the value
/// (tab excepted); obsolete line folding is refused (parse_field_line()). A line may end in
/// CRLF or LF, never in a bare CR. HTTP/1.2 and later minors are read as HTTP/1.1.
///
/// `idle_deadline`: by when a request must have begun (else no_request, without an answer);
/// `head_deadline`: by when the head must be complete (else 408). Refusals: 400 for bad
/// syntax, 414 for a request line past the limit, 431 for too many or too long fields, 505
/// for a major version other than 1.
Task<HeadOutcome> read_request_head(ConnectionIo& io, const HeadLimits& limits,
                                    ConnectionIo::Clock::time_point idle_deadline,
                                    ConnectionIo::Clock::time_point head_deadline, HttpRequest& request);

/// Splits a request target (RFC 9112 §3.2) into its path, still percent-encoded, and its
/// query (without '?'); a fragment is dropped. The origin form (`/first?x=1`) and the
/// absolute form (`http://host/first?x=1`, whose authority is ignored) give a path starting
/// with '/'; the asterisk form gives "*" for OPTIONS. Anything else is a 400 to answer.
std::optional<HttpResponse> split_request_target(std::string_view target, std::string_view method, std::string& path,
                                                 std::string& query);

}  // namespace plugin_host
