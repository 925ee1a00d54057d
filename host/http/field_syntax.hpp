#pragma once

#include <Poco/Net/MessageHeader.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

/// The values of every field `name` in `head` (a field may be repeated), in the order sent.
/// They point into `head`.
std::vector<std::string_view> field_values(const Poco::Net::MessageHeader& head, const std::string& name);

/// The elements of the comma-separated lists (RFC 9110 §5.6.1) in `values`, in order,
/// without the whitespace around them; empty elements are skipped, as the RFC asks.
std::vector<std::string_view> list_elements(const std::vector<std::string_view>& values);

/// Whether the lists in the fields `name` of `head` hold `element` (any case).
bool lists_hold(const Poco::Net::MessageHeader& head, const std::string& name, std::string_view element);

/// Whether the lists in the fields `name` of `head` hold anything but `element` (any case).
bool lists_hold_other_than(const Poco::Net::MessageHeader& head, const std::string& name, std::string_view element);

}  // namespace plugin_host
