#include "config/typed_value.hpp"

#include "text/trim.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace plugin_host {
namespace {

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t min, std::int64_t max,
                                          std::string& problem) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
        problem = quoted(text) + " is not a whole number from " + std::to_string(min) + " to " + std::to_string(max);
        return std::nullopt;
    }
    return value;
}

std::optional<bool> parse_boolean(std::string_view text, std::string& problem) {
    for (const std::string_view yes : {"true", "yes", "on", "1"}) {
        if (text == yes) return true;
    }
    for (const std::string_view no : {"false", "no", "off", "0"}) {
        if (text == no) return false;
    }
    problem = quoted(text) + " is not one of true/false, yes/no, on/off, 1/0";
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string& problem) {
    struct Unit {
        std::string_view suffix;
        std::int64_t milliseconds;
    };
    static constexpr std::array<Unit, 4> kUnits{{{"ms", 1}, {"min", 60'000}, {"s", 1000}, {"h", 3'600'000}}};
    std::int64_t scale = 1;
    std::string_view number = text;
    for (const Unit& unit : kUnits) {
        if (text.ends_with(unit.suffix)) {
            number = trim(text.substr(0, text.size() - unit.suffix.size()));
            scale = unit.milliseconds;
            break;
        }
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || error != std::errc{} || end != number.data() + number.size() || value < 0 ||
        value > std::numeric_limits<std::int64_t>::max() / scale) {
        problem = quoted(text) + " is not a duration: a whole number of milliseconds, or with a unit (250ms, 30s, "
                                 "5min, 2h)";
        return std::nullopt;
    }
    return std::chrono::milliseconds(value * scale);
}

std::optional<std::vector<std::string>> parse_list(std::string_view whole, std::string& problem) {
    std::vector<std::string> items;
    std::string_view text = whole;
    for (;;) {
        const auto comma = text.find(',');
        const std::string_view item = trim(text.substr(0, comma));
        if (item.empty()) {
            problem = quoted(whole) + " has an empty item";
            return std::nullopt;
        }
        items.emplace_back(item);
        if (comma == std::string_view::npos) return items;
        text.remove_prefix(comma + 1);
    }
}

}  // namespace plugin_host
