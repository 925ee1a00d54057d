#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plugin_host {

// The value types of server.ini, for the host's own sections and for the settings a plugin
// reads from its section: each parser returns the value, or nothing and says in `problem`
// what is wrong, in words that follow the key in a message
// (`config/server.ini:9: [server] port: "eighty" is not a whole number from 0 to 65535`).

/// A whole number from `min` to `max`.
std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t min, std::int64_t max,
                                          std::string& problem);

/// true/false, yes/no, on/off, 1/0.
std::optional<bool> parse_boolean(std::string_view text, std::string& problem);

/// A whole number of milliseconds, or with a unit: 250ms, 30s, 5min, 2h.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string& problem);

/// A comma-separated list; items trimmed, none empty.
std::optional<std::vector<std::string>> parse_list(std::string_view text, std::string& problem);

}  // namespace plugin_host
