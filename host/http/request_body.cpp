#include "http/request_body.hpp"

#include "http/field_syntax.hpp"
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

bool is_decimal(std::string_view text) {
    return !text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") == std::string_view::npos;
}

/// RFC 9112 §6.1: the codings listed, in order, across every Transfer-Encoding field. A
/// coding's parameters (after ';') are kept with it, so `chunked;x=1` is not taken for chunked.
std::vector<std::string> codings_of(const std::vector<std::string_view>& fields) {
    std::vector<std::string> codings;
    for (const std::string_view coding : list_elements(fields)) codings.push_back(Poco::toLower(std::string(coding)));
    return codings;
}

std::optional<HttpResponse> check_transfer_encoding(const Poco::Net::HTTPRequest& request,
                                                    const std::vector<std::string_view>& fields) {
    if (request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_0) {
        return closing_error(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request");
    }
    const std::vector<std::string> codings = codings_of(fields);
    if (codings.empty() || codings.back() != "chunked") {
        return closing_error(400, "the body's length cannot be determined: chunked must be the last Transfer-Encoding");
    }
    if (std::count(codings.begin(), codings.end(), "chunked") > 1) {
        return closing_error(400, "chunked is applied more than once in Transfer-Encoding");
    }
    for (const std::string& coding : codings) {
        if (!is_token(trim(std::string_view(coding).substr(0, coding.find(';'))))) {
            return closing_error(400, "Transfer-Encoding lists a coding that is not a token");
        }
    }
    if (codings.size() > 1) return closing_error(501, "only the chunked Transfer-Encoding is supported");
    return std::nullopt;
}

using Status = ConnectionIo::Status;

/// The deadline of the next read: the body's, or the read timeout if that comes first.
ConnectionIo::Clock::time_point next_read_deadline(const BodyLimits& limits) {
    return std::min(limits.deadline, ConnectionIo::Clock::now() + limits.read_timeout);
}

HttpResponse body_failed(Status status, std::string_view malformed) {
    if (status == Status::timed_out) return closing_error(408, "the request body did not arrive in time");
    if (status == Status::bare_lf) return closing_error(400, "malformed chunked body: a line ends in LF without CR");
    return closing_error(400, malformed);
}

HttpResponse too_large(const BodyLimits& limits) {
    return closing_error(413, "request body exceeds " + std::to_string(limits.max_bytes) + " bytes");
}

/// Appends `length` bytes of the body to `body`, each piece within the read timeout, the
/// whole within the body's deadline.
Task<Status> read_data(ConnectionIo& io, const BodyLimits& limits, std::size_t length, std::string& body) {
    while (length > 0) {
        const std::size_t piece = std::min(length, ConnectionIo::kReadPiece);
        if (const Status read = co_await io.read_exact(piece, next_read_deadline(limits), body); read != Status::ok) {
            co_return read;
        }
        length -= piece;
    }
    co_return Status::ok;
}

int hex_value(char digit) {
    if (digit >= '0' && digit <= '9') return digit - '0';
    if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
    if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
    return -1;
}

/// How many bytes of `text` from `at` are space or tab (BWS, RFC 9110 §5.6.3).
std::size_t blanks_at(std::string_view text, std::size_t at) {
    const auto end = text.find_first_not_of(kBlanks, at);
    return (end == std::string_view::npos ? text.size() : end) - at;
}

/// The length of a quoted-string (RFC 9110 §5.6.4) at the start of `text`, quotes
/// included; 0 if there is none.
std::size_t quoted_string_length(std::string_view text) {
    if (!text.starts_with('"')) return 0;
    for (std::size_t at = 1; at < text.size(); ++at) {
        const auto byte = static_cast<unsigned char>(text[at]);
        if (byte == '"') return at + 1;
        if (byte == '\\') {
            if (++at == text.size()) return 0;
            const auto escaped = static_cast<unsigned char>(text[at]);
            if (escaped != '\t' && (escaped < 0x20 || escaped == 0x7f)) return 0;
        } else if (byte != '\t' && (byte < 0x20 || byte == 0x7f)) {
            return 0;
        }
    }
    return 0;
}

std::size_t token_length(std::string_view text) {
    const auto end = std::find_if_not(text.begin(), text.end(), is_token_char);
    return static_cast<std::size_t>(end - text.begin());
}

/// RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ).
bool is_chunk_extension_list(std::string_view text) {
    std::size_t at = 0;
    while (at < text.size()) {
        at += blanks_at(text, at);
        if (at == text.size() || text[at] != ';') return false;
        at += 1 + blanks_at(text, at + 1);
        const std::size_t name = token_length(text.substr(at));
        if (name == 0) return false;
        at += name;
        const std::size_t before_equals = at + blanks_at(text, at);
        if (before_equals == text.size() || text[before_equals] != '=') continue;
        at = before_equals + 1 + blanks_at(text, before_equals + 1);
        std::size_t value = token_length(text.substr(at));
        if (value == 0) value = quoted_string_length(text.substr(at));
        if (value == 0) return false;
        at += value;
    }
    return true;
}

/// The trailer section (RFC 9112 §7.1.2): field lines, each ending in CRLF, then CRLF.
/// They are checked as header fields are, and then dropped.
Task<std::optional<HttpResponse>> read_trailers(ConnectionIo& io, const BodyLimits& limits) {
    std::string_view line;
    std::size_t section = 0;
    for (int trailers = 0;; ++trailers) {
        const Status read = co_await io.read_line(limits.chunks.max_trailer_line, next_read_deadline(limits), line, ConnectionIo::LineEnd::crlf);
        if (read == Status::too_long) co_return closing_error(431, "a trailer field is too long");
        if (read != Status::ok) co_return body_failed(read, "malformed chunked body: the trailer section is cut off");
        if (line.empty()) co_return std::nullopt;
        section += line.size();
        if (trailers == limits.chunks.max_trailers || section > limits.chunks.max_trailer_section) {
            co_return closing_error(431, "the trailer section exceeds " + std::to_string(limits.chunks.max_trailers) +
                                    " fields or " + std::to_string(limits.chunks.max_trailer_section) + " bytes");
        }
        std::string_view problem;
        if (!parse_field_line(line, problem)) {
            co_return closing_error(400, "malformed chunked body: invalid trailer field: " + std::string(problem));
        }
    }
}

/// RFC 9112 §7.1: *(chunk-size [ext] CRLF data CRLF) 0 [ext] CRLF trailers CRLF. The data
/// of each chunk is read as it arrives (ConnectionIo::read_exact()).
Task<std::optional<HttpResponse>> read_chunked(ConnectionIo& io, const BodyLimits& limits, std::string& body) {
    const auto malformed = [](Status status, std::string_view what) {
        return body_failed(status, "malformed chunked body: " + std::string(what));
    };
    std::string_view line;
    std::size_t extensions_read = 0;
    for (;;) {
        const Status size_read = co_await io.read_line(limits.chunks.max_line, next_read_deadline(limits), line, ConnectionIo::LineEnd::crlf);
        if (size_read != Status::ok) co_return malformed(size_read, "a chunk size line is cut off or invalid");
        std::uint64_t size = 0;
        std::size_t digits = 0;
        for (; digits < line.size() && hex_value(line[digits]) >= 0; ++digits) {
            if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) co_return too_large(limits);
            size = size * 16 + static_cast<std::uint64_t>(hex_value(line[digits]));
        }
        if (digits == 0) co_return malformed(Status::ok, "a chunk does not start with its size in hexadecimal");
        const std::string_view extensions = line.substr(digits);
        if (!is_chunk_extension_list(extensions)) co_return malformed(Status::ok, "junk after a chunk size");
        extensions_read += extensions.size();
        if (extensions_read > limits.chunks.max_extensions) {
            co_return malformed(Status::ok,
                             "chunk extensions exceed " + std::to_string(limits.chunks.max_extensions) + " bytes");
        }
        if (size == 0) co_return co_await read_trailers(io, limits);
        if (size > limits.max_bytes - body.size()) co_return too_large(limits);

        if (const Status read = co_await read_data(io, limits, static_cast<std::size_t>(size), body); read != Status::ok) {
            co_return malformed(read, "the body ends inside a chunk");
        }
        const Status read = co_await io.read_line(0, next_read_deadline(limits), line, ConnectionIo::LineEnd::crlf);
        if (read != Status::ok) co_return malformed(read == Status::too_long ? Status::ok : read, "a chunk is longer than its size");
    }
}

}  // namespace

std::optional<HttpResponse> check_framing(const Poco::Net::HTTPRequest& request) {
    const std::vector<std::string_view> lengths = field_values(request, Poco::Net::HTTPMessage::CONTENT_LENGTH);
    const std::vector<std::string_view> encodings = field_values(request, Poco::Net::HTTPMessage::TRANSFER_ENCODING);
    if (!encodings.empty()) {
        if (!lengths.empty()) return closing_error(400, "a request must not have both Transfer-Encoding and Content-Length");
        return check_transfer_encoding(request, encodings);
    }
    for (const std::string_view length : lengths) {
        if (!is_decimal(length)) return closing_error(400, "Content-Length is not a decimal number");
        if (length != lengths.front()) return closing_error(400, "the request has several different Content-Lengths");
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

Task<std::optional<HttpResponse>> read_body(ConnectionIo& io, const Poco::Net::HTTPRequest& request,
                                            const BodyLimits& limits, std::string& body) {
    const std::optional<std::size_t> length = announced_length(request);
    if (!length) co_return co_await read_chunked(io, limits, body);
    if (*length > limits.max_bytes) co_return too_large(limits);
    // RFC 9112 §6.3: without Content-Length or Transfer-Encoding the body is empty.
    if (*length == 0) co_return std::nullopt;
    body.reserve(std::min(*length, ConnectionIo::kReadPiece));
    if (const Status read = co_await read_data(io, limits, *length, body); read != Status::ok) {
        co_return body_failed(read, "request body is shorter than its Content-Length");
    }
    co_return std::nullopt;
}

}  // namespace plugin_host
