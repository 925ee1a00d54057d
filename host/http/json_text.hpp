#pragma once

#include <cstdint>
#include <string>
#include <vector>
#include <string_view>

namespace plugin_host {

// JSON text as the host writes it. Not Poco::JSON's writer: Poco 1.11 escapes every '/' as
// "\/", which would change the seed's answers ("Content-Type must be application/json") and
// every path the admin endpoints show; its UTF-8 tables are used to validate.

/// `text` escaped for use inside a JSON string (quotes, backslashes, control characters),
/// without the surrounding quotes; bytes that are not UTF-8 become U+FFFD. Also safe to put
/// into a single log line.
std::string json_escape(std::string_view text);

/// {"<key>":"<value>"}, both escaped.
std::string json_object(std::string_view key, std::string_view value);

/// The body of every error response: {"error":"<message>"}.
inline std::string json_error(std::string_view message) { return json_object("error", message); }

/// Builds compact JSON text: commas and quotes are its business, strings go through
/// json_escape(). For one document, on one thread:
///   JsonWriter().begin_object().key("ok").boolean(true).key("loaded").begin_array()
///       .string("first").end_array().end_object().take()  →  {"ok":true,"loaded":["first"]}
class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);
    JsonWriter& string(std::string_view value);
    JsonWriter& number(std::uint64_t value);
    JsonWriter& boolean(bool value);
    JsonWriter& null();

    std::string take() { return std::move(text_); }

private:
    void separate();  // the comma before a value or key that is not its container's first

    std::string text_;
    std::vector<bool> first_;  ///< per open container: nothing written in it yet
    bool after_key_ = false;
};

/// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
/// U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace plugin_host
