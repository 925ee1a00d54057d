#include "http/json_text.hpp"

namespace plugin_host {
namespace {

/// Length of the well-formed UTF-8 sequence at the start of `text`, or 0 if it is not one.
std::size_t utf8_sequence_length(std::string_view text) {
    const auto* byte = reinterpret_cast<const unsigned char*>(text.data());
    const unsigned char lead = byte[0];
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned int code_point = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        code_point = lead & 0x1Fu;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        code_point = lead & 0x0Fu;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        code_point = lead & 0x07u;
    } else {
        return 0;
    }
    if (text.size() < length) return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte[i] & 0xC0) != 0x80) return 0;
        code_point = (code_point << 6) | (byte[i] & 0x3Fu);
    }
    static constexpr unsigned int kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kSmallest[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
        return 0;
    }
    return length;
}

/// `text` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD.
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

}  // namespace

std::string json_escape(std::string_view text) {
    if (!is_valid_utf8(text)) return json_escape(replace_invalid_utf8(text));
    static constexpr char kHex[] = "0123456789abcdef";
    std::string escaped;
    escaped.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
        case '"': escaped += "\\\""; break;
        case '\\': escaped += "\\\\"; break;
        case '\b': escaped += "\\b"; break;
        case '\f': escaped += "\\f"; break;
        case '\n': escaped += "\\n"; break;
        case '\r': escaped += "\\r"; break;
        case '\t': escaped += "\\t"; break;
        default:
            if (byte < 0x20 || byte == 0x7f) {
                escaped += "\\u00";
                escaped += kHex[byte >> 4];
                escaped += kHex[byte & 0x0f];
            } else {
                escaped += c;
            }
        }
    }
    return escaped;
}

std::string json_object(std::string_view key, std::string_view value) {
    return "{\"" + json_escape(key) + "\":\"" + json_escape(value) + "\"}";
}

bool is_valid_utf8(std::string_view text) {
    while (!text.empty()) {
        const std::size_t length = utf8_sequence_length(text);
        if (length == 0) return false;
        text.remove_prefix(length);
    }
    return true;
}

}  // namespace plugin_host
