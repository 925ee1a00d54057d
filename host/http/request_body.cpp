#include "http/request_body.hpp"

#include "text/trim.hpp"

#include <Poco/String.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace plugin_host {
namespace {

constexpr std::size_t kMaxChunkLine = 4096;    // chunk size with its extensions
constexpr std::size_t kMaxTrailerLine = 8192;  // as the limit for a header field
constexpr int kMaxTrailers = 100;              // as the limit on header fields

[[gnu::noinline, gnu::cold]] HttpResponse closing(int status, std::string_view message) {
    HttpResponse response = error_response(status, message);
    response.close_connection = true;
    return response;
}

/// Every value of the header `name` (a header may be repeated).
std::vector<std::string_view> values_of(const Poco::Net::HTTPRequest& request, const std::string& name) {
    std::vector<std::string_view> values;
    for (auto field = request.find(name); field != request.end() && Poco::icompare(field->first, name) == 0; ++field) {
        values.push_back(field->second);
    }
    return values;
}

bool is_decimal(std::string_view text) {
    return !text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") == std::string_view::npos;
}

std::optional<HttpResponse> check_transfer_encoding(const Poco::Net::HTTPRequest& request,
                                                    const std::vector<std::string_view>& fields) {
    if (request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_0) {
        return closing(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request");
    }
    std::vector<std::string> codings;
    for (std::string_view field : fields) {
        for (;;) {
            const auto comma = field.find(',');
            codings.push_back(Poco::toLower(std::string(trim(field.substr(0, comma)))));
            if (comma == std::string_view::npos) break;
            field.remove_prefix(comma + 1);
        }
    }
    if (codings.back() != "chunked") {
        return closing(400, "the body's length cannot be determined: chunked must be the last Transfer-Encoding");
    }
    if (codings.size() > 1) return closing(501, "only the chunked Transfer-Encoding is supported");
    return std::nullopt;
}

using Status = ConnectionIo::Status;

/// The deadline of the next read: the body's, or the read timeout if that comes first.
ConnectionIo::Clock::time_point next_read_deadline(const BodyLimits& limits) {
    return std::min(limits.deadline, ConnectionIo::Clock::now() + limits.read_timeout);
}

HttpResponse body_failed(Status status, std::string_view malformed) {
    if (status == Status::timed_out) return closing(408, "the request body did not arrive in time");
    return closing(400, malformed);
}

int hex_value(char digit) {
    if (digit >= '0' && digit <= '9') return digit - '0';
    if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
    if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
    return -1;
}

/// RFC 9112 §7.1: *(chunk-size [ext] CRLF data CRLF) 0 [ext] CRLF *(trailer CRLF) CRLF.
std::optional<HttpResponse> read_chunked(ConnectionIo& io, const BodyLimits& limits, std::string& body) {
    const auto malformed = [](Status status, std::string_view what) {
        return body_failed(status, "malformed chunked body: " + std::string(what));
    };
    const auto too_large = [&limits] {
        return closing(413, "request body exceeds " + std::to_string(limits.max_bytes) + " bytes");
    };
    std::string_view line;
    for (;;) {
        if (const Status read = io.read_line(kMaxChunkLine, next_read_deadline(limits), line); read != Status::ok) {
            return malformed(read, "a chunk size line is cut off or invalid");
        }
        std::uint64_t size = 0;
        std::size_t digits = 0;
        for (; digits < line.size() && hex_value(line[digits]) >= 0; ++digits) {
            if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) return too_large();
            size = size * 16 + static_cast<std::uint64_t>(hex_value(line[digits]));
        }
        if (digits == 0) return malformed(Status::ok, "a chunk does not start with its size in hexadecimal");
        const std::string_view extensions = trim(line.substr(digits));
        if (!extensions.empty() && extensions.front() != ';') return malformed(Status::ok, "junk after a chunk size");
        if (size == 0) break;
        if (size > limits.max_bytes - body.size()) return too_large();

        if (const Status read = io.read_exact(static_cast<std::size_t>(size), next_read_deadline(limits), body);
            read != Status::ok) {
            return malformed(read, "the body ends inside a chunk");
        }
        const Status read = io.read_line(0, next_read_deadline(limits), line);
        if (read != Status::ok) return malformed(read == Status::too_long ? Status::ok : read, "a chunk is longer than its size");
    }
    for (int trailers = 0;; ++trailers) {
        const Status read = io.read_line(kMaxTrailerLine, next_read_deadline(limits), line);
        if (read != Status::ok) {
            return malformed(read == Status::too_long ? Status::ok : read, "the trailer section is cut off or invalid");
        }
        if (line.empty()) return std::nullopt;
        if (trailers == kMaxTrailers || line.find(':') == std::string_view::npos) {
            return malformed(Status::ok, "invalid trailer fields");
        }
    }
}

}  // namespace

std::optional<HttpResponse> check_framing(const Poco::Net::HTTPRequest& request) {
    if (request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1 && values_of(request, "Host").size() != 1) {
        return closing(400, "an HTTP/1.1 request needs exactly one Host header");
    }
    const std::vector<std::string_view> lengths = values_of(request, Poco::Net::HTTPMessage::CONTENT_LENGTH);
    const std::vector<std::string_view> encodings = values_of(request, Poco::Net::HTTPMessage::TRANSFER_ENCODING);
    if (!encodings.empty()) {
        if (!lengths.empty()) return closing(400, "a request must not have both Transfer-Encoding and Content-Length");
        return check_transfer_encoding(request, encodings);
    }
    for (const std::string_view length : lengths) {
        if (!is_decimal(length)) return closing(400, "Content-Length is not a decimal number");
        if (length != lengths.front()) return closing(400, "the request has several different Content-Lengths");
    }
    return std::nullopt;
}

std::optional<std::size_t> announced_length(const Poco::Net::HTTPRequest& request) {
    if (request.has(Poco::Net::HTTPMessage::TRANSFER_ENCODING)) return std::nullopt;
    const std::string& text = request.get(Poco::Net::HTTPMessage::CONTENT_LENGTH, Poco::Net::HTTPMessage::EMPTY);
    std::size_t length = 0;
    std::from_chars(text.data(), text.data() + text.size(), length);  // checked by check_framing()
    return length;
}

std::optional<HttpResponse> read_body(ConnectionIo& io, const Poco::Net::HTTPRequest& request,
                                      const BodyLimits& limits, std::string& body) {
    const std::optional<std::size_t> length = announced_length(request);
    if (!length) return read_chunked(io, limits, body);
    if (!request.has(Poco::Net::HTTPMessage::CONTENT_LENGTH)) {
        const std::string& method = request.getMethod();
        if (method == "POST" || method == "PUT" || method == "PATCH") {
            return closing(411, "a request body needs Content-Length or chunked Transfer-Encoding");
        }
        return std::nullopt;
    }
    if (*length > limits.max_bytes) {
        return closing(413, "request body exceeds " + std::to_string(limits.max_bytes) + " bytes");
    }
    // Read in pieces, each within the read timeout, the whole within the body's deadline.
    body.reserve(*length);
    while (body.size() < *length) {
        const std::size_t piece = std::min<std::size_t>(*length - body.size(), 64 * 1024);
        if (const Status read = io.read_exact(piece, next_read_deadline(limits), body); read != Status::ok) {
            return body_failed(read, "request body is shorter than its Content-Length");
        }
    }
    return std::nullopt;
}

}  // namespace plugin_host
