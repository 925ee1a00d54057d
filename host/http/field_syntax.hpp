#pragma once

#include <optional>
#include <string_view>

namespace plugin_host {

// The syntax of HTTP header and trailer fields (RFC 9110 §5), shared by the request head,
// the chunked body's trailer section and the check of a plugin's response headers. Pure
// functions; any thread.

/// tchar of RFC 9110 §5.6.2.
bool is_token_char(char c);

/// A token: one or more tchar.
bool is_token(std::string_view text);

/// A byte that may stand in a field value (RFC 9110 §5.5): visible ASCII, space, tab, and
/// bytes from 0x80. Not CR, LF, NUL, other controls or DEL.
bool is_field_value_char(char c);

/// A field line, split: the name as sent, the value without the whitespace around it.
struct FieldLine {
    std::string_view name;
    std::string_view value;
};

/// Splits one field line (without its line end) as RFC 9112 §5 reads it: a token for the
/// name, nothing between it and the colon, no control character in the value (tab
/// excepted), no obsolete line folding, no CR. Nothing if the line is not such a field;
/// `problem` then says why, in words for an error answer.
std::optional<FieldLine> parse_field_line(std::string_view line, std::string_view& problem);

}  // namespace plugin_host
