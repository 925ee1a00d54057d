#pragma once

#include <plugin_api/endpoint_plugin.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace seed {

/// Deepest JSON nesting accepted; deeper bodies are answered 400 before they can exhaust
/// the request thread's stack.
inline constexpr int kMaxJsonDepth = 32;

/// Reads the seed's request, {"info": {"sequence": "<text>"}} sent as application/json, and
/// returns the sequence. Otherwise answers `response` as the seed's endpoints always have
/// and returns nothing: 415 for another Content-Type, 400 for a body that is not UTF-8 or
/// not JSON (or nested deeper than kMaxJsonDepth), 422 without a string at info.sequence.
/// Shared by the seed's three plugins; any thread.
std::optional<std::string> read_sequence(const plugin_api::Request& request, plugin_api::Response& response);

/// The seed's answer: {"result":"<text>"}.
std::string result_body(std::string_view text);

}  // namespace seed
