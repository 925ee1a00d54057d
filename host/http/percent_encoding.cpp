#include "http/percent_encoding.hpp"

namespace plugin_host {
namespace {

int hex_value(char digit) {
    if (digit >= '0' && digit <= '9') return digit - '0';
    if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
    if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string decoded;
    decoded.reserve(text.size());
    for (std::size_t at = 0; at < text.size(); ++at) {
        const char c = text[at];
        if (c != '%') {
            decoded += plus_is_space && c == '+' ? ' ' : c;
            continue;
        }
        if (at + 2 >= text.size()) return std::nullopt;
        const int high = hex_value(text[at + 1]);
        const int low = hex_value(text[at + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        decoded += static_cast<char>(high * 16 + low);
        at += 2;
    }
    return decoded;
}

std::optional<std::vector<std::pair<std::string, std::string>>> decode_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> fields;
    while (!query.empty()) {
        const auto ampersand = query.find('&');
        const std::string_view field = query.substr(0, ampersand);
        query.remove_prefix(ampersand == std::string_view::npos ? query.size() : ampersand + 1);
        if (field.empty()) continue;  // "a&&b"
        const auto equals = field.find('=');
        std::optional<std::string> name = percent_decode(field.substr(0, equals), true);
        std::optional<std::string> value =
            percent_decode(equals == std::string_view::npos ? std::string_view() : field.substr(equals + 1), true);
        if (!name || !value) return std::nullopt;
        fields.emplace_back(std::move(*name), std::move(*value));
    }
    return fields;
}

}  // namespace plugin_host
