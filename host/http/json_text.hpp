#pragma once

#include <string>
#include <string_view>

namespace plugin_host {

/// `text` escaped for use inside a JSON string (quotes, backslashes, control characters),
/// without the surrounding quotes; bytes that are not UTF-8 become U+FFFD. Also safe to put
/// into a single log line.
std::string json_escape(std::string_view text);

/// {"<key>":"<value>"}, both escaped.
std::string json_object(std::string_view key, std::string_view value);

/// The body of every error response: {"error":"<message>"}.
inline std::string json_error(std::string_view message) { return json_object("error", message); }

/// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
/// U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace plugin_host
