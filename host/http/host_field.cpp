#include "http/host_field.hpp"

#include <Poco/Ascii.h>
#include <Poco/String.h>

#include <algorithm>

namespace plugin_host {
namespace {

bool is_hex(char c) { return Poco::Ascii::isHexDigit(c); }

/// reg-name of RFC 3986 §3.2.2: unreserved, pct-encoded and sub-delims; an IPv4 address is
/// one too.
bool is_registered_name(std::string_view name) {
    for (std::size_t at = 0; at < name.size(); ++at) {
        const char c = name[at];
        if (c == '%') {
            if (at + 2 >= name.size() || !is_hex(name[at + 1]) || !is_hex(name[at + 2])) return false;
            at += 2;
        } else if (!Poco::Ascii::isAlphaNumeric(c) && std::string_view("-._~!$&'()*+,;=").find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

/// IP-literal of RFC 3986 §3.2.2, inside its brackets: an IPv6 address (hexadecimal
/// digits, colons, and a dotted IPv4 tail) or an IPvFuture (v, hexadecimal, '.', then
/// unreserved, sub-delims and ':').
bool is_ip_literal(std::string_view inside) {
    if (inside.empty()) return false;
    if (inside.front() == 'v' || inside.front() == 'V') {
        const auto dot = inside.find('.');
        if (dot == std::string_view::npos || dot == 1 || dot + 1 == inside.size()) return false;
        if (!std::all_of(inside.begin() + 1, inside.begin() + static_cast<long>(dot), is_hex)) return false;
        const std::string_view rest = inside.substr(dot + 1);
        return std::all_of(rest.begin(), rest.end(), [](char c) {
            return Poco::Ascii::isAlphaNumeric(c) || std::string_view("-._~!$&'()*+,;=:").find(c) != std::string_view::npos;
        });
    }
    return inside.find(':') != std::string_view::npos &&
           std::all_of(inside.begin(), inside.end(), [](char c) { return is_hex(c) || c == ':' || c == '.'; });
}

}  // namespace

bool is_valid_host(std::string_view value) {
    std::string_view host = value;
    std::string_view port;
    if (value.starts_with('[')) {
        const auto close = value.find(']');
        if (close == std::string_view::npos || !is_ip_literal(value.substr(1, close - 1))) return false;
        host = value.substr(0, close + 1);
        const std::string_view after = value.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) return false;
        if (!after.empty()) port = after.substr(1);
    } else {
        const auto colon = value.rfind(':');
        if (colon != std::string_view::npos) {
            host = value.substr(0, colon);
            port = value.substr(colon + 1);
        }
        if (!is_registered_name(host)) return false;
    }
    return std::all_of(port.begin(), port.end(), [](char c) { return Poco::Ascii::isDigit(c); });
}

std::optional<HttpResponse> check_host(const Poco::Net::HTTPRequest& request) {
    static const std::string kHost = "Host";
    std::size_t count = 0;
    for (auto field = request.find(kHost); field != request.end() && Poco::icompare(field->first, kHost) == 0; ++field) {
        if (++count > 1) return closing_error(400, "a request must not have more than one Host header");
        if (!is_valid_host(field->second)) return closing_error(400, "the Host header is not a valid host[:port]");
    }
    if (count == 0 && request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1) {
        return closing_error(400, "an HTTP/1.1 request needs a Host header");
    }
    return std::nullopt;
}

}  // namespace plugin_host
