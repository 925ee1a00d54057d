#pragma once

#include <string>
#include <string_view>

namespace plugin_host {

// UTF-8 checks for text that comes from outside the host, by Poco's UTF-8 tables. Any
// thread.

/// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
/// U+10FFFF). PluginMeters asks it of a metric's help text.
bool is_valid_utf8(std::string_view text);

/// `text` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD; the
/// same text when it is well-formed. one_line() uses it for log lines.
std::string replace_invalid_utf8(std::string_view text);

}  // namespace plugin_host
