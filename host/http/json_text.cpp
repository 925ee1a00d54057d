#include "http/json_text.hpp"

#include <Poco/JSONString.h>

namespace plugin_host {

std::string json_escape(std::string_view text) {
    return Poco::toJSON(std::string(text), 0);
}

std::string json_object(std::string_view key, std::string_view value) {
    return "{\"" + json_escape(key) + "\":\"" + json_escape(value) + "\"}";
}

bool is_valid_utf8(std::string_view text) {
    const auto* byte = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = byte + text.size();
    while (byte < end) {
        const unsigned char lead = *byte;
        if (lead < 0x80) {
            ++byte;
            continue;
        }
        int length = 0;
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
            return false;
        }
        if (end - byte < length) return false;
        for (int i = 1; i < length; ++i) {
            if ((byte[i] & 0xC0) != 0x80) return false;
            code_point = (code_point << 6) | (byte[i] & 0x3Fu);
        }
        static constexpr unsigned int kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code_point < kSmallest[length] || code_point > 0x10FFFF ||
            (code_point >= 0xD800 && code_point <= 0xDFFF)) {
            return false;
        }
        byte += length;
    }
    return true;
}

}  // namespace plugin_host
