#include "seed/seed_request.hpp"

#include "http/json_text.hpp"
#include "seed/sequence_finder.hpp"

#include <Poco/Ascii.h>
#include <Poco/Exception.h>

namespace seed {
namespace {

bool is_json_content_type(std::string_view content_type) {
    constexpr std::string_view kJson = "application/json";
    if (content_type.size() < kJson.size()) return false;
    for (std::size_t i = 0; i < kJson.size(); ++i) {
        if (Poco::Ascii::toLower(content_type[i]) != kJson[i]) return false;
    }
    const std::string_view rest = content_type.substr(kJson.size());
    return rest.empty() || rest.front() == ';' || rest.front() == ' ';
}

// The error paths live in functions of their own, never inlined, so that their temporaries
// stay off the stack of the request path (see ExecutionService on the stack budget).
[[gnu::noinline, gnu::cold]] void refuse(plugin_api::Response& response, int status, std::string_view message) {
    response.set_status(status);
    response.set_body(plugin_host::json_error(message));
}

[[gnu::noinline, gnu::cold]] void not_json(plugin_api::Response& response, const Poco::Exception& error) {
    refuse(response, 400, "request body is not valid JSON: " + error.message());
}

}  // namespace

std::optional<std::string> read_sequence(const plugin_api::Request& request, plugin_api::Response& response) {
    if (!is_json_content_type(request.content_type())) {
        refuse(response, 415, "Content-Type must be application/json");
        return std::nullopt;
    }
    const std::string_view body = request.body();
    if (!plugin_host::is_valid_utf8(body)) {
        refuse(response, 400, "request body is not valid UTF-8");
        return std::nullopt;
    }
    std::optional<std::string> sequence;
    try {
        sequence = find_sequence(body, kMaxJsonDepth);
    } catch (const Poco::Exception& error) {
        not_json(response, error);
        return std::nullopt;
    }
    if (!sequence) refuse(response, 422, "missing string field info.sequence");
    return sequence;
}

std::string result_body(std::string_view text) { return plugin_host::json_object("result", text); }

}  // namespace seed
