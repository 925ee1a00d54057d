#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plugin_host {

/// `text` with its %XX escapes decoded (and '+' as a space, if `plus_is_space`); nothing if
/// a '%' is not followed by two hexadecimal digits.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

/// A query string (without '?') as name and value pairs, in order, each decoded as a form
/// field ('+' is a space); `a&b=` gives ("a", "") and ("b", ""). Nothing if an escape does
/// not decode.
std::optional<std::vector<std::pair<std::string, std::string>>> decode_query(std::string_view query);

}  // namespace plugin_host
