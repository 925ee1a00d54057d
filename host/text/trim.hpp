#pragma once

#include <string_view>

namespace plugin_host {

/// Space and horizontal tab: HTTP's optional whitespace (RFC 9110 §5.6.3) and the blanks
/// around an INI file's keys, values and list items.
inline constexpr std::string_view kBlanks = " \t";

/// `text` without the characters of `blanks` at either end.
constexpr std::string_view trim(std::string_view text, std::string_view blanks = kBlanks) {
    const auto first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

}  // namespace plugin_host
