#include "http/request_head.hpp"

#include "http/field_syntax.hpp"

#include <Poco/Ascii.h>
#include <Poco/String.h>

#include <string>
#include <string_view>

namespace plugin_host {
namespace {

using Kind = HeadOutcome::Kind;

HeadOutcome refuse(int status, std::string_view message) { return {Kind::refused, closing_error(status, message)}; }

/// What a failed read of a line within the head means for the client.
HeadOutcome line_failed(ConnectionIo::Status status, std::string_view too_long_status_message, int too_long_status) {
    switch (status) {
    case ConnectionIo::Status::timed_out: return refuse(408, "the request header did not arrive in time");
    case ConnectionIo::Status::too_long: return refuse(too_long_status, too_long_status_message);
    case ConnectionIo::Status::closed: return refuse(400, "the request header is incomplete");
    default: return {Kind::no_request, std::nullopt};  // the connection failed: nobody to answer
    }
}

std::optional<HeadOutcome> parse_request_line(std::string_view line, Poco::Net::HTTPRequest& request) {
    const auto first_space = line.find(' ');
    const auto last_space = line.rfind(' ');
    if (first_space == std::string_view::npos || first_space == last_space) {
        return refuse(400, "malformed request line: expected METHOD TARGET HTTP/1.1");
    }
    const std::string_view method = line.substr(0, first_space);
    const std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
    const std::string_view version = line.substr(last_space + 1);
    if (!is_token(method)) return refuse(400, "malformed request line: the method is not a token");
    if (target.empty()) return refuse(400, "malformed request line: the request target is empty");
    for (const char c : target) {
        const auto byte = static_cast<unsigned char>(c);
        // RFC 9112 §3.2 takes the target from URI syntax (RFC 3986): visible ASCII only; a
        // byte from 0x80 must be percent-encoded.
        if (byte <= 0x20 || byte >= 0x7f) {
            return refuse(400, "malformed request line: the request target holds a space, a control character or a byte "
                               "beyond ASCII");
        }
    }
    const auto digit = [&version](std::size_t at) { return Poco::Ascii::isDigit(version[at]); };
    if (version.size() != 8 || !version.starts_with("HTTP/") || !digit(5) || version[6] != '.' || !digit(7)) {
        return refuse(400, "malformed request line: the HTTP version must be HTTP/1.1 or HTTP/1.0");
    }
    if (version[5] != '1') {
        return refuse(505, "HTTP version " + std::string(version) + " is not supported (use HTTP/1.1)");
    }
    request.setMethod(std::string(method));
    request.setURI(std::string(target));
    // RFC 9110 §2.5: a later 1.x minor version is served as the highest this server speaks.
    request.setVersion(version == Poco::Net::HTTPMessage::HTTP_1_0 ? Poco::Net::HTTPMessage::HTTP_1_0
                                                                   : Poco::Net::HTTPMessage::HTTP_1_1);
    return std::nullopt;
}

std::optional<HeadOutcome> add_field(std::string_view line, HttpRequest& request) {
    std::string_view problem;
    const std::optional<FieldLine> field = parse_field_line(line, problem);
    if (!field) return refuse(400, "malformed header: " + std::string(problem));
    request.head.add(std::string(field->name), std::string(field->value));
    request.fields.emplace_back(field->name, field->value);
    return std::nullopt;
}

}  // namespace

Task<HeadOutcome> read_request_head(ConnectionIo& io, const HeadLimits& limits,
                                    ConnectionIo::Clock::time_point idle_deadline,
                                    ConnectionIo::Clock::time_point head_deadline, HttpRequest& request) {
    if (co_await io.wait_readable(idle_deadline) != ConnectionIo::Status::ok) co_return HeadOutcome{Kind::no_request, std::nullopt};

    std::string_view line;
    for (;;) {  // RFC 9112 §2.2: empty lines before the request line are ignored
        const ConnectionIo::Status status = co_await io.read_line(limits.max_request_line, head_deadline, line);
        if (status != ConnectionIo::Status::ok) co_return line_failed(status, "the request line is too long", 414);
        if (!line.empty()) break;
        if (io.buffered() == 0 && co_await io.wait_readable(idle_deadline) != ConnectionIo::Status::ok) {
            co_return HeadOutcome{Kind::no_request, std::nullopt};
        }
    }
    if (line.find('\r') != std::string_view::npos) co_return refuse(400, "malformed request line: a bare CR");
    if (auto refused = parse_request_line(line, request.head)) co_return std::move(*refused);

    for (int fields = 0;; ++fields) {
        const ConnectionIo::Status status = co_await io.read_line(limits.max_field_line, head_deadline, line);
        if (status != ConnectionIo::Status::ok) co_return line_failed(status, "a header field is too long", 431);
        if (line.empty()) co_return HeadOutcome{Kind::complete, std::nullopt};
        if (fields == limits.max_fields) co_return refuse(431, "the request has too many header fields");
        if (auto refused = add_field(line, request)) co_return std::move(*refused);
    }
}

std::optional<HttpResponse> split_request_target(std::string_view target, std::string_view method, std::string& path,
                                                 std::string& query) {
    if (target == "*") {
        if (method != "OPTIONS") return refuse(400, "malformed request target: * is for OPTIONS only").answer;
        path = "*";
        return std::nullopt;
    }
    if (!target.starts_with('/')) {
        const auto scheme_end = target.find("://");
        const std::string_view scheme = target.substr(0, scheme_end);
        if (scheme_end == std::string_view::npos ||
            (Poco::icompare(std::string(scheme), "http") != 0 && Poco::icompare(std::string(scheme), "https") != 0)) {
            return refuse(400, "malformed request target: expected /path or http://authority/path").answer;
        }
        const std::string_view rest = target.substr(scheme_end + 3);
        const auto path_start = rest.find_first_of("/?#");
        if (path_start == 0 || rest.empty()) {
            return refuse(400, "malformed request target: the absolute URI has no authority").answer;
        }
        target = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
    }
    const std::string_view without_fragment = target.substr(0, target.find('#'));
    const auto question = without_fragment.find('?');
    path = without_fragment.substr(0, question);
    if (path.empty()) path = "/";
    query = question == std::string_view::npos ? std::string_view() : without_fragment.substr(question + 1);
    return std::nullopt;
}

}  // namespace plugin_host
