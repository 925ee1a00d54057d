#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace seed {

/// What find_sequence() throws for a document that is not JSON, or nested too deep; what()
/// says where and why, as nlohmann/json's parser reported it.
class NotJson : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The string at info.sequence of a JSON document, read in one pass without building the
/// document: nlohmann/json's SAX parser validates the JSON (strings' UTF-8 included; at most
/// `max_depth` levels of objects and arrays) and reports each token to a handler that only
/// follows the path root → "info" → "sequence". The answer is the one a parsed document
/// would give: with duplicate keys the last one counts. Any thread; the request's.
///
/// Throws NotJson if `json` is not valid JSON or nests deeper than `max_depth`.
/// Returns nothing if the document has no string at info.sequence.
std::optional<std::string> find_sequence(std::string_view json, int max_depth);

}  // namespace seed
