#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace plugin_host {

/// Writes the Prometheus text exposition format (version 0.0.4): each family's HELP and TYPE
/// lines, then its samples, with label values escaped. Used by one thread, for one render.
class PrometheusText {
public:
    using Label = std::pair<std::string_view, std::string_view>;

    /// Starts a family: `type` is counter, gauge or histogram; `help` is escaped
    /// (prometheus_help_text()).
    void family(std::string_view name, std::string_view type, std::string_view help);

    /// One sample: `name` is the family's, or with a suffix (_bucket, _sum, _count).
    void sample(std::string_view name, std::initializer_list<Label> labels, double value);
    void sample(std::string_view name, double value) { sample(name, {}, value); }

    /// A family of one sample without labels.
    void single(std::string_view name, std::string_view type, std::string_view help, double value);

    /// The text written so far.
    std::string take() { return std::move(text_); }

private:
    std::string text_;
};

/// `text` escaped for a label value (backslash, double quote, line feed), without the quotes.
std::string prometheus_label_value(std::string_view text);

/// `text` escaped for a HELP line (backslash, line feed).
std::string prometheus_help_text(std::string_view text);

/// A histogram bucket's upper bound as its `le` label: "+Inf", or the shortest text that
/// reads back as the same double, so two different bounds never share a label.
std::string prometheus_bound(double bound);

}  // namespace plugin_host
