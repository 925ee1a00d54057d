#include "metrics/prometheus_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace plugin_host {
namespace {

void append_number(std::string& out, double value) {
    if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
        return;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.15g", value);
    out += text;
}

}  // namespace

std::string prometheus_label_value(std::string_view text) {
    std::string escaped;
    escaped.reserve(text.size());
    for (const char c : text) {
        if (c == '\\' || c == '"') escaped += '\\';
        if (c == '\n') {
            escaped += "\\n";
            continue;
        }
        escaped += c;
    }
    return escaped;
}

std::string prometheus_help_text(std::string_view text) {
    std::string escaped;
    escaped.reserve(text.size());
    for (const char c : text) {
        if (c == '\\') {
            escaped += "\\\\";
        } else if (c == '\n') {
            escaped += "\\n";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

std::string prometheus_bound(double bound) {
    if (std::isinf(bound)) return bound > 0 ? "+Inf" : "-Inf";
    char text[32];
    const auto written = std::to_chars(text, text + sizeof text, bound);
    return std::string(text, written.ptr);
}

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
    text_.append("# HELP ").append(name).append(" ").append(prometheus_help_text(help)).append("\n");
    text_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PrometheusText::sample(std::string_view name, std::initializer_list<Label> labels, double value) {
    text_.append(name);
    if (labels.size() > 0) {
        char separator = '{';
        for (const auto& [label, label_value] : labels) {
            text_ += separator;
            text_.append(label).append("=\"").append(prometheus_label_value(label_value)).append("\"");
            separator = ',';
        }
        text_ += '}';
    }
    text_ += ' ';
    append_number(text_, value);
    text_ += '\n';
}

void PrometheusText::single(std::string_view name, std::string_view type, std::string_view help, double value) {
    family(name, type, help);
    sample(name, value);
}

}  // namespace plugin_host
