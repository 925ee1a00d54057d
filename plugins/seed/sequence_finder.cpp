#include "seed/sequence_finder.hpp"

#include <nlohmann/json.hpp>

#include <memory>

namespace seed {
namespace {

using Json = nlohmann::json;

/// Follows the parser's tokens and remembers the value at info.sequence; stops the parse
/// (returns false) beyond the depth limit or at a syntax error, saying why in problem().
/// The interface nlohmann::json::sax_parse() expects, without virtual calls.
class SequenceHandler {
public:
    explicit SequenceHandler(int max_depth) : max_depth_(max_depth) {}

    std::optional<std::string>& sequence() { return sequence_; }
    const std::string& problem() const { return problem_; }

    bool start_object(std::size_t) {
        const bool info = depth_ == 1 && key_at_root_ == "info";
        assigned();  // a new info object replaces an earlier one
        if (info) {
            in_info_ = true;
            key_in_info_.clear();
        }
        return deeper();
    }

    bool end_object() {
        --depth_;
        if (depth_ == 1) in_info_ = false;
        return true;
    }

    bool start_array(std::size_t) {
        assigned();
        return deeper();
    }

    bool end_array() {
        --depth_;
        return true;
    }

    bool key(Json::string_t& key) {
        if (depth_ == 1) key_at_root_ = key;
        if (depth_ == 2 && in_info_) key_in_info_ = key;
        return true;
    }

    bool string(Json::string_t& value) {
        if (at_sequence()) {
            sequence_ = std::move(value);
        } else {
            assigned();
        }
        return true;
    }

    bool null() { return assigned(); }
    bool boolean(bool) { return assigned(); }
    bool number_integer(Json::number_integer_t) { return assigned(); }
    bool number_unsigned(Json::number_unsigned_t) { return assigned(); }
    bool number_float(Json::number_float_t, const Json::string_t&) { return assigned(); }
    bool binary(Json::binary_t&) { return assigned(); }  // never in JSON text

    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& error) {
        // what() is "[json.exception.parse_error.101] parse error at line 1, column 9: ..."
        const std::string_view what = error.what();
        const std::size_t tag_end = what.find("] ");
        problem_ = tag_end == std::string_view::npos ? what : what.substr(tag_end + 2);
        return false;
    }

private:
    bool at_sequence() const { return depth_ == 2 && in_info_ && key_in_info_ == "sequence"; }

    /// Something other than a string is written at the current position: if that is
    /// info.sequence or info itself, the sequence an earlier key gave is overwritten.
    bool assigned() {
        if (at_sequence() || (depth_ == 1 && key_at_root_ == "info")) sequence_.reset();
        return true;
    }

    /// An object or array opens: one level deeper, unless that is beyond the limit.
    bool deeper() {
        if (++depth_ <= max_depth_) return true;
        problem_ = "nested deeper than " + std::to_string(max_depth_) + " levels";
        return false;
    }

    int max_depth_;
    int depth_ = 0;
    bool in_info_ = false;
    std::string key_at_root_;
    std::string key_in_info_;
    std::optional<std::string> sequence_;
    std::string problem_;
};

/// One reading of a document: the parser Json::sax_parse() would build in its caller's frame
/// (some 700 bytes with the temporaries of its construction) and the handler, on the heap.
/// The heap was only for the stack budget of the thread per connection, which is gone;
/// Json::sax_parse() would read the same.
struct Reading {
    using Parser = nlohmann::detail::parser<Json, nlohmann::detail::iterator_input_adapter<const char*>>;

    Reading(std::string_view json, int max_depth)
        : handler(max_depth), parser(nlohmann::detail::input_adapter(json.data(), json.data() + json.size())) {}

    SequenceHandler handler;
    Parser parser;
};

std::unique_ptr<Reading> start_reading(std::string_view json, int max_depth) {
    return std::make_unique<Reading>(json, max_depth);
}

[[noreturn]] void not_json(const Reading& reading) { throw NotJson(reading.handler.problem()); }

}  // namespace

std::optional<std::string> find_sequence(std::string_view json, int max_depth) {
    const std::unique_ptr<Reading> reading = start_reading(json, max_depth);
    if (!reading->parser.sax_parse(&reading->handler, true)) not_json(*reading);
    return std::move(reading->handler.sequence());
}

}  // namespace seed
