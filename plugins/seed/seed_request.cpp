#include "seed/seed_request.hpp"

#include "seed/sequence_finder.hpp"

#include <nlohmann/json.hpp>

#include <memory>

// The seed plugins use the SDK alone (the contract header and nlohmann/json), as a plugin
// built outside this tree would.

namespace seed {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_json_content_type(std::string_view content_type) {
    constexpr std::string_view kJson = "application/json";
    if (content_type.size() < kJson.size()) return false;
    for (std::size_t i = 0; i < kJson.size(); ++i) {
        if (ascii_lower(content_type[i]) != kJson[i]) return false;
    }
    const std::string_view rest = content_type.substr(kJson.size());
    return rest.empty() || rest.front() == ';' || rest.front() == ' ';
}

/// True if `text` is well-formed UTF-8 (Unicode's table 3-7: no overlong forms, surrogates
/// or code points past U+10FFFF). The parser checks the bytes of strings only; the seed
/// answers any byte that is not UTF-8 as such, wherever it is.
bool is_utf8(std::string_view text) {
    const auto* byte = reinterpret_cast<const unsigned char*>(text.data());
    const auto* const end = byte + text.size();
    while (byte < end) {
        const unsigned char lead = *byte;
        if (lead < 0x80) {
            ++byte;
            continue;
        }
        std::ptrdiff_t length = 4;
        unsigned char low = 0x80;   // the second byte's range
        unsigned char high = 0xbf;
        if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            if (lead == 0xe0) low = 0xa0;   // overlong
            if (lead == 0xed) high = 0x9f;  // surrogates
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            if (lead == 0xf0) low = 0x90;   // overlong
            if (lead == 0xf4) high = 0x8f;  // past U+10FFFF
        } else {
            return false;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
        }
        if (end - byte < length || byte[1] < low || byte[1] > high) return false;
        for (std::ptrdiff_t i = 2; i < length; ++i) {
            if ((byte[i] & 0xc0) != 0x80) return false;
        }
        byte += length;
    }
    return true;
}

/// {"<key>":"<text>"}, as nlohmann::json{{key, text}}.dump(-1, ' ', false, replace) writes
/// it: text that is not UTF-8 shown as U+FFFD rather than thrown at. The serializer is on
/// the heap, not in this frame as dump() would keep it, only for the stack budget of the
/// thread per connection, which is gone; dump() would write the same bytes.
std::string json_member(const char* key, std::string_view text) {
    using Json = nlohmann::json;
    const Json member{{key, text}};
    std::string body;
    const auto serializer = std::make_unique<nlohmann::detail::serializer<Json>>(
        nlohmann::detail::output_adapter<char>(body), ' ', Json::error_handler_t::replace);
    serializer->dump(member, false, false, 0);
    return body;
}

void refuse(plugin_api::Response& response, int status, std::string_view message) {
    response.set_status(status);
    response.set_body(json_member("error", message));
}

void not_json(plugin_api::Response& response, const NotJson& error) {
    refuse(response, 400, std::string("request body is not valid JSON: ") + error.what());
}

}  // namespace

std::optional<std::string> read_sequence(const plugin_api::Request& request, plugin_api::Response& response) {
    if (!is_json_content_type(request.content_type())) {
        refuse(response, 415, "Content-Type must be application/json");
        return std::nullopt;
    }
    const std::string_view body = request.body();
    if (!is_utf8(body)) {
        refuse(response, 400, "request body is not valid UTF-8");
        return std::nullopt;
    }
    std::optional<std::string> sequence;
    try {
        sequence = find_sequence(body, kMaxJsonDepth);
    } catch (const NotJson& error) {
        not_json(response, error);
        return std::nullopt;
    }
    if (!sequence) refuse(response, 422, "missing string field info.sequence");
    return sequence;
}

std::string result_body(std::string_view text) { return json_member("result", text); }

}  // namespace seed
