#include "http/request_body.hpp"

#include "routing/request_dispatcher.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/String.h>

#include <cstdint>
#include <istream>
#include <limits>
#include <string_view>
#include <vector>

namespace plugin_host {
namespace {

constexpr std::size_t kMaxChunkLine = 4096;    // chunk size with its extensions
constexpr std::size_t kMaxTrailerLine = 8192;  // as Poco's limit for a header value
constexpr int kMaxTrailers = 100;              // as Poco's limit for header fields

HttpResponse closing(int status, std::string_view message) {
    HttpResponse response = error_response(status, message);
    response.close_connection = true;
    return response;
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

/// Every value of the header `name` (a header may be repeated).
std::vector<std::string_view> values_of(const Poco::Net::HTTPServerRequest& request, const std::string& name) {
    std::vector<std::string_view> values;
    for (auto field = request.find(name); field != request.end() && Poco::icompare(field->first, name) == 0; ++field) {
        values.push_back(field->second);
    }
    return values;
}

bool is_decimal(std::string_view text) {
    return !text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") == std::string_view::npos;
}

std::optional<HttpResponse> check_version(const std::string& version) {
    if (version == Poco::Net::HTTPMessage::HTTP_1_1 || version == Poco::Net::HTTPMessage::HTTP_1_0) {
        return std::nullopt;
    }
    const auto digit = [&version](std::size_t at) { return version[at] >= '0' && version[at] <= '9'; };
    if (version.size() == 8 && version.starts_with("HTTP/") && digit(5) && version[6] == '.' && digit(7)) {
        return closing(505, "HTTP version " + version + " is not supported (use HTTP/1.1)");
    }
    return closing(400, "malformed request line: the HTTP version must be HTTP/1.1 or HTTP/1.0");
}

std::optional<HttpResponse> check_transfer_encoding(const Poco::Net::HTTPServerRequest& request,
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
    if (!request.getChunkedTransferEncoding()) return closing(400, "malformed Transfer-Encoding");
    return std::nullopt;
}

/// Poco reads a request through its HTTPServerSession, whose byte-level reads are protected,
/// meant for Poco's own body streams. Poco's chunked stream takes a malformed chunk for the
/// end of the body, which would let the bytes after it pass for the next request; so chunked
/// bodies are decoded here, from the same session buffer. This class only lends the
/// protected members; it is never instantiated.
class SessionBytes final : public Poco::Net::HTTPSession {
public:
    SessionBytes() = delete;

    /// The next byte, or a negative value at the end of the stream. HTTPSession hands out
    /// plain (signed) chars, so bytes from 0x80 are negative too: never valid in framing.
    static int next_byte(Poco::Net::HTTPSession& session) { return (session.*(&SessionBytes::get))(); }

    /// Up to `length` bytes; 0 at the end of the stream.
    static int read_bytes(Poco::Net::HTTPSession& session, char* buffer, std::streamsize length) {
        return (session.*(&SessionBytes::read))(buffer, length);
    }
};

/// One line of chunked framing, without its CRLF (a bare LF is accepted, as Poco does for
/// headers). False if the stream ends first, or the line is longer than `max` or holds a
/// byte that cannot occur in framing.
bool read_framing_line(Poco::Net::HTTPSession& session, std::size_t max, std::string& line) {
    line.clear();
    for (;;) {
        const int byte = SessionBytes::next_byte(session);
        if (byte < 0) return false;
        if (byte == '\n') break;
        if (line.size() == max) return false;
        line += static_cast<char>(byte);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
}

int hex_value(char digit) {
    if (digit >= '0' && digit <= '9') return digit - '0';
    if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
    if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
    return -1;
}

/// RFC 9112 §7.1: *(chunk-size [ext] CRLF data CRLF) 0 [ext] CRLF *(trailer CRLF) CRLF.
std::optional<HttpResponse> read_chunked(Poco::Net::HTTPSession& session, std::size_t limit, std::string& body) {
    const auto malformed = [](std::string_view what) { return closing(400, "malformed chunked body: " + std::string(what)); };
    const auto too_large = [limit] { return closing(413, "request body exceeds " + std::to_string(limit) + " bytes"); };
    std::string line;
    for (;;) {
        if (!read_framing_line(session, kMaxChunkLine, line)) return malformed("a chunk size line is cut off or invalid");
        std::uint64_t size = 0;
        std::size_t digits = 0;
        for (; digits < line.size() && hex_value(line[digits]) >= 0; ++digits) {
            if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) return too_large();
            size = size * 16 + static_cast<std::uint64_t>(hex_value(line[digits]));
        }
        if (digits == 0) return malformed("a chunk does not start with its size in hexadecimal");
        const std::string_view extensions = trim(std::string_view(line).substr(digits));
        if (!extensions.empty() && extensions.front() != ';') return malformed("junk after a chunk size");
        if (size == 0) break;
        if (size > limit - body.size()) return too_large();

        // Straight into the body (at most `limit` bytes): a buffer on the stack would stay
        // resident in every connection thread's stack.
        std::size_t filled = body.size();
        body.resize(filled + static_cast<std::size_t>(size));
        while (filled < body.size()) {
            const int got = SessionBytes::read_bytes(session, body.data() + filled,
                                                     static_cast<std::streamsize>(body.size() - filled));
            if (got <= 0) return malformed("the body ends inside a chunk");
            filled += static_cast<std::size_t>(got);
        }
        if (!read_framing_line(session, 1, line) || !line.empty()) return malformed("a chunk is longer than its size");
    }
    for (int trailers = 0;; ++trailers) {
        if (!read_framing_line(session, kMaxTrailerLine, line)) return malformed("the trailer section is cut off or invalid");
        if (line.empty()) return std::nullopt;
        if (trailers == kMaxTrailers || line.find(':') == std::string::npos) return malformed("invalid trailer fields");
    }
}

std::optional<HttpResponse> read_fixed_length(std::istream& in, std::size_t length, std::string& body) {
    body.resize(length);  // straight into the body, as for chunks
    in.read(body.data(), static_cast<std::streamsize>(length));
    body.resize(static_cast<std::size_t>(in.gcount()));
    if (body.size() != length) return closing(400, "request body is shorter than its Content-Length");
    return std::nullopt;
}

}  // namespace

std::optional<HttpResponse> check_framing(const Poco::Net::HTTPServerRequest& request) {
    if (auto wrong = check_version(request.getVersion())) return wrong;
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

std::optional<HttpResponse> read_body(Poco::Net::HTTPServerRequest& request, std::size_t limit, std::string& body) {
    const bool chunked = request.getChunkedTransferEncoding();
    if (!chunked && !request.hasContentLength()) {
        const std::string& method = request.getMethod();
        if (method == "POST" || method == "PUT" || method == "PATCH") {
            return closing(411, "a request body needs Content-Length or chunked Transfer-Encoding");
        }
        return std::nullopt;
    }
    const Poco::Int64 length = chunked ? 0 : request.getContentLength64();
    if (length > static_cast<Poco::Int64>(limit)) {
        return closing(413, "request body exceeds " + std::to_string(limit) + " bytes");
    }
    try {
        if (chunked) {
            return read_chunked(static_cast<Poco::Net::HTTPServerRequestImpl&>(request).session(), limit, body);
        }
        std::istream& in = request.stream();
        in.exceptions(std::ios::badbit);  // rethrow the stream's own exception (a timeout)
        return read_fixed_length(in, static_cast<std::size_t>(length), body);
    } catch (const Poco::TimeoutException&) {
        return closing(408, "the request body did not arrive in time");
    } catch (const Poco::Exception& error) {
        return closing(400, "the request body could not be read: " + error.message());
    }
}

}  // namespace plugin_host
