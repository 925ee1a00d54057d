#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace plugin_host {

/// The host's answers as JSON documents: members in the order they are added, which the
/// admin endpoints' bodies keep and their tests compare.
using JsonDocument = nlohmann::ordered_json;

/// `document` as an answer's body: compact, UTF-8 written as is ('/' too), and text that is
/// not UTF-8 (a client's path, a plugin's exception) shown as U+FFFD rather than thrown at,
/// so that no input can make an answer fail. Any thread.
inline std::string json_body(const JsonDocument& document) {
    return document.dump(-1, ' ', false, JsonDocument::error_handler_t::replace);
}

}  // namespace plugin_host
