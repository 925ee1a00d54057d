#include "http/field_syntax.hpp"

#include "text/trim.hpp"

#include <Poco/Ascii.h>
#include <Poco/String.h>

#include <algorithm>

namespace plugin_host {

bool is_token_char(char c) {
    return Poco::Ascii::isAlphaNumeric(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
    if (text.empty()) return false;
    for (const char c : text) {
        if (!is_token_char(c)) return false;
    }
    return true;
}

bool is_field_value_char(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
}

std::optional<FieldLine> parse_field_line(std::string_view line, std::string_view& problem) {
    if (line.find('\r') != std::string_view::npos) {
        problem = "a bare CR";
        return std::nullopt;
    }
    if (line.starts_with(' ') || line.starts_with('\t')) {
        problem = "obsolete line folding is not accepted";
        return std::nullopt;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
        problem = "a field line has no colon";
        return std::nullopt;
    }
    const std::string_view name = line.substr(0, colon);
    if (!is_token(name)) {
        problem = "a field name must be a token, with nothing between it and its colon";
        return std::nullopt;
    }
    const std::string_view value = trim(line.substr(colon + 1));
    for (const char c : value) {
        if (!is_field_value_char(c)) {
            problem = "a field value holds a control character";
            return std::nullopt;
        }
    }
    return FieldLine{name, value};
}

std::vector<std::string_view> field_values(const Poco::Net::MessageHeader& head, const std::string& name) {
    std::vector<std::string_view> values;
    for (auto field = head.find(name); field != head.end() && Poco::icompare(field->first, name) == 0; ++field) {
        values.push_back(field->second);
    }
    return values;
}

std::vector<std::string_view> list_elements(const std::vector<std::string_view>& values) {
    std::vector<std::string_view> elements;
    for (std::string_view list : values) {
        for (;;) {
            const auto comma = list.find(',');
            const std::string_view element = trim(list.substr(0, comma));
            if (!element.empty()) elements.push_back(element);
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    return elements;
}

bool lists_hold(const Poco::Net::MessageHeader& head, const std::string& name, std::string_view element) {
    const std::vector<std::string_view> elements = list_elements(field_values(head, name));
    return std::any_of(elements.begin(), elements.end(),
                       [element](std::string_view one) { return Poco::icompare(one, element) == 0; });
}

bool lists_hold_other_than(const Poco::Net::MessageHeader& head, const std::string& name, std::string_view element) {
    const std::vector<std::string_view> elements = list_elements(field_values(head, name));
    return std::any_of(elements.begin(), elements.end(),
                       [element](std::string_view one) { return Poco::icompare(one, element) != 0; });
}

}  // namespace plugin_host
