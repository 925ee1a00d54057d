#include "text/utf8.hpp"

#include <Poco/UTF8Encoding.h>

namespace plugin_host {
namespace {

/// Length of the well-formed UTF-8 sequence at the start of `text`, or 0 if it is not one
/// (overlong forms, surrogates and code points past U+10FFFF are not).
std::size_t utf8_sequence_length(std::string_view text) {
    static const Poco::UTF8Encoding utf8;
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    const int mapped = utf8.characterMap()[bytes[0]];  // the code point, or minus the length, or -1
    if (mapped >= 0) return 1;
    const auto length = static_cast<std::size_t>(-mapped);
    if (mapped == -1 || length > text.size() || !Poco::UTF8Encoding::isLegal(bytes, static_cast<int>(length))) return 0;
    return length;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    while (!text.empty()) {
        const std::size_t length = utf8_sequence_length(text);
        if (length == 0) return false;
        text.remove_prefix(length);
    }
    return true;
}

std::string replace_invalid_utf8(std::string_view text) {
    std::string clean;
    clean.reserve(text.size());
    while (!text.empty()) {
        const std::size_t length = utf8_sequence_length(text);
        if (length == 0) {
            clean += "\xEF\xBF\xBD";
            text.remove_prefix(1);
        } else {
            clean.append(text.substr(0, length));
            text.remove_prefix(length);
        }
    }
    return clean;
}

}  // namespace plugin_host
