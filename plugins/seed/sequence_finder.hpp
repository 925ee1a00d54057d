#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace seed {

/// The string at info.sequence of a JSON document, read in one pass without building the
/// document: Poco's parser validates the JSON (at most `max_depth` levels deep) and reports
/// each token to a handler that only follows the path root → "info" → "sequence". The
/// answer is the one a parsed document would give: with duplicate keys the last one counts.
///
/// Throws Poco::Exception (a JSON syntax or depth error) if `json` is not valid JSON.
/// Returns nothing if the document has no string at info.sequence.
std::optional<std::string> find_sequence(std::string_view json, int max_depth);

}  // namespace seed
