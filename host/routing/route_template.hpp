#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace plugin_host {

/// A route's path template is not valid; what() names it and says why.
class InvalidTemplate : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// A route's path template, parsed: `/items`, `/items/{id}`, `/files/{path...}`.
///
/// Rules: starts with '/'; "/" alone, or segments separated by single slashes, none empty,
/// no trailing slash; a segment is a literal (the characters a path may hold, '%' escapes
/// included, but no '{' or '}'), a parameter `{name}` (a letter or '_', then letters,
/// digits or '_'), or, last only, a catch-all `{name...}`; each name once. Immutable.
class RouteTemplate {
public:
    struct Segment {
        enum class Kind { literal, parameter, catch_all };
        Kind kind = Kind::literal;
        std::string text;  ///< a literal's decoded text, or the parameter's name
    };

    /// Throws InvalidTemplate.
    static RouteTemplate parse(std::string_view text);

    const std::string& text() const { return text_; }
    const std::vector<Segment>& segments() const { return segments_; }

    /// Equal for equivalent templates, those that differ only in parameter names
    /// (/items/{id} and /items/{key}), and different otherwise.
    std::string shape() const;

    /// Whether the path, its segments decoded (decode_path_segments()), matches: as a route
    /// would, except that a catch-all also matches no segment at all (/kv/{rest...} matches
    /// /kv), which is how a filter's pattern names a prefix.
    bool matches_prefix(const std::vector<std::string>& path) const;

private:
    std::string text_;
    std::vector<Segment> segments_;
};

/// The segments of a request's path ("/" has none), each percent-decoded, appended to
/// `segments`; false if one does not decode (a '%' without two hexadecimal digits).
bool decode_path_segments(std::string_view path, std::vector<std::string>& segments);

}  // namespace plugin_host
