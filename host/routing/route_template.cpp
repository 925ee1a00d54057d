#include "routing/route_template.hpp"

#include "http/percent_encoding.hpp"

#include <Poco/Ascii.h>

#include <set>

namespace plugin_host {
namespace {

/// pchar of RFC 3986, '%' included (its escapes are checked by decoding).
bool is_path_char(char c) {
    return Poco::Ascii::isAlphaNumeric(c) || std::string_view("-._~!$&'()*+,;=:@%").find(c) != std::string_view::npos;
}

bool is_name(std::string_view name) {
    if (name.empty() || !(Poco::Ascii::isAlpha(name.front()) || name.front() == '_')) return false;
    for (const char c : name) {
        if (!Poco::Ascii::isAlphaNumeric(c) && c != '_') return false;
    }
    return true;
}

}  // namespace

bool decode_path_segments(std::string_view path, std::vector<std::string>& segments) {
    if (path == "/") return true;
    std::string_view rest = path.substr(1);
    for (;;) {
        const auto slash = rest.find('/');
        const std::string_view raw = rest.substr(0, slash);
        if (raw.find('%') == std::string_view::npos) {
            segments.emplace_back(raw);
        } else if (std::optional<std::string> decoded = percent_decode(raw)) {
            segments.push_back(std::move(*decoded));
        } else {
            return false;
        }
        if (slash == std::string_view::npos) return true;
        rest.remove_prefix(slash + 1);
    }
}

bool RouteTemplate::matches_prefix(const std::vector<std::string>& path) const {
    std::size_t at = 0;
    for (const Segment& segment : segments_) {
        switch (segment.kind) {
        case Segment::Kind::catch_all: return true;  // the rest, or nothing
        case Segment::Kind::parameter:
            if (at == path.size() || path[at].empty()) return false;
            break;
        case Segment::Kind::literal:
            if (at == path.size() || path[at] != segment.text) return false;
            break;
        }
        ++at;
    }
    return at == path.size();
}

RouteTemplate RouteTemplate::parse(std::string_view text) {
    const auto invalid = [text](std::string_view why) {
        return InvalidTemplate("path template \"" + std::string(text) + "\" " + std::string(why));
    };
    if (!text.starts_with('/')) throw invalid("must start with '/'");
    if (text.size() > 1024) throw invalid("is longer than 1024 characters");
    RouteTemplate parsed;
    parsed.text_ = std::string(text);
    if (text == "/") return parsed;

    std::set<std::string, std::less<>> names;
    std::string_view rest = text.substr(1);
    for (;;) {
        const auto slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        if (segment.empty()) throw invalid("has an empty segment (a double or trailing '/')");
        if (!parsed.segments_.empty() && parsed.segments_.back().kind == Segment::Kind::catch_all) {
            throw invalid("has a catch-all that is not its last segment");
        }
        if (segment.front() == '{') {
            if (!segment.ends_with('}')) throw invalid("has a parameter that does not end its segment with '}'");
            std::string_view name = segment.substr(1, segment.size() - 2);
            const bool catch_all = name.ends_with("...");
            if (catch_all) name.remove_suffix(3);
            if (!is_name(name)) {
                throw invalid("has a parameter whose name is not a letter or '_' followed by letters, digits or '_'");
            }
            if (!names.emplace(name).second) throw invalid("names the parameter '" + std::string(name) + "' twice");
            parsed.segments_.push_back({catch_all ? Segment::Kind::catch_all : Segment::Kind::parameter, std::string(name)});
        } else {
            for (const char c : segment) {
                if (c == '{' || c == '}') throw invalid("has a '{' or '}' that is not a whole segment's parameter");
                if (!is_path_char(c)) throw invalid("has a character a path cannot hold");
            }
            std::optional<std::string> literal = percent_decode(segment);
            if (!literal) throw invalid("has a '%' that is not followed by two hexadecimal digits");
            parsed.segments_.push_back({Segment::Kind::literal, std::move(*literal)});
        }
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    return parsed;
}

std::string RouteTemplate::shape() const {
    if (segments_.empty()) return "/";
    std::string shape;
    for (const Segment& segment : segments_) {
        shape += '/';
        switch (segment.kind) {
        case Segment::Kind::literal:  // length first: a decoded literal may hold '/'
            shape += std::to_string(segment.text.size()) + ":" + segment.text;
            break;
        case Segment::Kind::parameter: shape += "{}"; break;
        case Segment::Kind::catch_all: shape += "{...}"; break;
        }
    }
    return shape;
}

}  // namespace plugin_host
