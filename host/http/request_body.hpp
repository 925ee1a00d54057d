#pragma once

#include "http/connection_io.hpp"
#include "http/http_exchange.hpp"

#include <Poco/Net/HTTPRequest.h>

#include <cstddef>
#include <optional>
#include <string>

namespace plugin_host {

// How a request's body is framed and read, by the connection's coroutine after the request
// head. Every error response here closes the connection: after a framing
// error, the rest of the stream cannot be trusted to begin the next request (request
// smuggling).

/// The framing checks of RFC 9112 §6-7 on a request head:
/// - Transfer-Encoding, its fields read as one list whose empty elements are ignored: 400
///   when chunked is not the last coding (the length cannot be known) or is applied twice,
///   or the list holds no coding; 501 for any other coding before chunked; 400 for any
///   Transfer-Encoding in HTTP/1.0;
/// - Transfer-Encoding together with Content-Length, a Content-Length that is not a decimal
///   number (a list, a sign, hexadecimal, an exponent, more than 18 digits), or several
///   different ones: 400.
/// Returns the error response, or nothing if the body may be read.
std::optional<HttpResponse> check_framing(const Poco::Net::HTTPRequest& request);

/// The body's announced length: Content-Length, 0 if there is neither it nor chunked
/// encoding, nothing for a chunked body. For a request that passed check_framing().
std::optional<std::size_t> announced_length(const Poco::Net::HTTPRequest& request);

/// What a chunked body's framing may hold, beyond its data; from the [server]
/// max_chunk_line_bytes, max_chunk_extensions_bytes, max_trailer_field_bytes,
/// max_trailer_fields and max_trailer_section_bytes.
struct ChunkLimits {
    std::size_t max_line{};             ///< a chunk-size line with its extensions
    std::size_t max_extensions{};       ///< every chunk's extensions together
    std::size_t max_trailer_line{};     ///< one trailer field line
    int max_trailers{};                 ///< trailer fields
    std::size_t max_trailer_section{};  ///< every trailer field line together
};

/// When and how long the body may take, and how much of it there may be.
struct BodyLimits {
    std::size_t max_bytes = 0;
    ConnectionIo::Clock::time_point deadline;   ///< the whole body, from its header (body_timeout_ms)
    std::chrono::milliseconds read_timeout{};   ///< each read (receive_timeout_ms)
    ChunkLimits chunks;
};

/// Reads the body of a request that passed check_framing() into `body`: exactly
/// Content-Length bytes, nothing without Content-Length or Transfer-Encoding (RFC 9112
/// §6.3), or a chunked body decoded strictly: every line of it ends in CRLF, extensions and
/// trailer fields are checked against their grammar (then dropped), and a malformed chunk
/// is an error, never taken for the end of the body. `body` grows with the bytes received,
/// never with a length announced. Returns the error response, or nothing: 413 past
/// `max_bytes`; 431 for a trailer section past `chunks`' limits; 400 for a body that is
/// malformed, carries more chunk extensions or a longer chunk-size line than `chunks`
/// allows, or ends early; 408 for one that does not arrive in time.
Task<std::optional<HttpResponse>> read_body(ConnectionIo& io, const Poco::Net::HTTPRequest& request,
                                            const BodyLimits& limits, std::string& body);

}  // namespace plugin_host
