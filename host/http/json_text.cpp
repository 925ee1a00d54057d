#include "http/json_text.hpp"

#include <Poco/UTF8Encoding.h>

namespace plugin_host {
namespace {

/// Length of the well-formed UTF-8 sequence at the start of `text`, or 0 if it is not one
/// (overlong forms, surrogates and code points past U+10FFFF are not), by Poco's UTF-8
/// tables.
std::size_t utf8_sequence_length(std::string_view text) {
    static const Poco::UTF8Encoding utf8;
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    const int mapped = utf8.characterMap()[bytes[0]];  // the code point, or minus the length, or -1
    if (mapped >= 0) return 1;
    const auto length = static_cast<std::size_t>(-mapped);
    if (mapped == -1 || length > text.size() || !Poco::UTF8Encoding::isLegal(bytes, static_cast<int>(length))) return 0;
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

void JsonWriter::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back()) text_ += ',';
        first_.back() = false;
    }
}

JsonWriter& JsonWriter::begin_object() {
    separate();
    text_ += '{';
    first_.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    text_ += '}';
    first_.pop_back();
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    separate();
    text_ += '[';
    first_.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    text_ += ']';
    first_.pop_back();
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    separate();
    text_.append("\"").append(json_escape(name)).append("\":");
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::string(std::string_view value) {
    separate();
    text_.append("\"").append(json_escape(value)).append("\"");
    return *this;
}

JsonWriter& JsonWriter::number(std::uint64_t value) {
    separate();
    text_ += std::to_string(value);
    return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
    separate();
    text_ += value ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null() {
    separate();
    text_ += "null";
    return *this;
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
