#include "metrics/plugin_meters.hpp"

#include "text/utf8.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace plugin_host {
namespace {

/// The suffixes of a histogram's samples besides its name.
constexpr std::array<std::string_view, 3> kHistogramSuffixes{"_bucket", "_sum", "_count"};

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool name_part(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

std::string_view kind_name(MeterKind kind) { return kind == MeterKind::counter ? "counter" : "histogram"; }

/// `bound` as a message names it: the shortest text that reads back as the same double.
std::string bound_text(double bound) {
    char text[32];
    const auto written = std::to_chars(text, text + sizeof text, bound);
    return std::string(text, written.ptr);
}

/// `bound` as prometheus-cpp's TextSerializer writes it in an le label: 16 significant digits.
std::string exposed_bound(double bound) {
    char text[32];
    std::snprintf(text, sizeof text, "%.16g", bound);
    return text;
}

}  // namespace

std::string meter_definition_problem(MeterKind kind, std::string_view name, std::string_view help,
                                     const std::vector<double>& bounds) {
    if (name.empty()) return "a metric needs a name";
    if (!name_start(name.front()) || !std::all_of(name.begin(), name.end(), name_part)) {
        return "a metric's name is letters, digits, '_' and ':', not starting with a digit";
    }
    if (name.starts_with("plugin_host_")) return "names that start with plugin_host_ are the host's own";
    if (!is_valid_utf8(help)) return "its help text is not UTF-8";
    const auto control = [](char c) { return (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f; };
    if (std::any_of(help.begin(), help.end(), control)) {
        return "its help text holds a control character (only line feeds and tabs may be in it)";
    }
    if (kind == MeterKind::histogram) {
        if (!std::all_of(bounds.begin(), bounds.end(), [](double bound) { return std::isfinite(bound); })) {
            return "a histogram's bounds are finite (the host adds +Inf)";
        }
        if (std::adjacent_find(bounds.begin(), bounds.end(), std::greater_equal<>()) != bounds.end()) {
            return "a histogram's bounds are ascending, each larger than the one before";
        }
        const auto alike = [](double a, double b) { return exposed_bound(a) == exposed_bound(b); };
        if (std::adjacent_find(bounds.begin(), bounds.end(), alike) != bounds.end()) {
            return "two of a histogram's bounds differ only past their 16th digit, so /metrics would show them alike";
        }
    }
    return {};
}

/// One plugin's series of a family. Its fields but the counter's and histogram's values are
/// guarded by PluginMeters::mutex_.
struct PluginMeters::Series {
    std::string plugin;
    std::unique_ptr<PluginCounter> counter;      // a counter's
    std::unique_ptr<PluginHistogram> histogram;  // a histogram's
    bool exposed = false;  ///< a version that asked for it was placed: shown for good
    int claims = 0;        ///< MeterClaims holding it (versions loading, or placed and not yet released)
};

struct PluginMeters::Family {
    MeterKind kind = MeterKind::counter;
    std::string help;
    std::vector<double> bounds;
    std::map<std::string, std::unique_ptr<Series>, std::less<>> series;  ///< by plugin

    /// "a counter (plugin 'a', 'b')", "a histogram with the bounds [0.1, 1] (plugin 'a')".
    std::string describe() const {
        std::string text = "a " + std::string(kind_name(kind));
        if (kind == MeterKind::histogram) {
            text += " with the bounds [";
            for (std::size_t at = 0; at < bounds.size(); ++at) text += (at ? ", " : "") + bound_text(bounds[at]);
            text += "]";
        }
        std::string plugins;
        for (const auto& [plugin, each] : series) plugins += (plugins.empty() ? "'" : ", '") + plugin + "'";
        return text + " (plugin " + plugins + ")";
    }
};

PluginMeters::PluginMeters() = default;
PluginMeters::~PluginMeters() = default;

bool PluginMeters::forget_if_unused(std::map<std::string, Family, std::less<>>::iterator family) {
    for (const auto& [plugin, series] : family->second.series) {
        if (series->exposed || series->claims > 0) return false;
    }
    for (auto& [plugin, series] : family->second.series) set_aside_.push_back(std::move(series));
    families_.erase(family);
    return true;
}

PluginMeters::Grant PluginMeters::grant(std::string_view plugin, MeterKind kind, std::string_view name,
                                        std::string_view help, const std::vector<double>& bounds) {
    std::lock_guard lock(mutex_);
    Grant grant;
    // Names whose samples would mix with this one's: a histogram's <name>_bucket, _sum, _count.
    for (const std::string_view suffix : kHistogramSuffixes) {
        const std::string other = kind == MeterKind::histogram ? std::string(name) + std::string(suffix) : "";
        if (const auto found = families_.find(other); !other.empty() && found != families_.end()) {
            const std::string owner = found->second.describe();
            if (!forget_if_unused(found)) {
                grant.problem = "its " + other + " samples would mix with " + other + ", " + owner;
                return grant;
            }
        }
        if (!name.ends_with(suffix)) continue;
        const auto base = families_.find(name.substr(0, name.size() - suffix.size()));
        if (base != families_.end() && base->second.kind == MeterKind::histogram) {
            const std::string owner = base->first + ", " + base->second.describe();
            if (!forget_if_unused(base)) {
                grant.problem = "its samples would mix with those of " + owner;
                return grant;
            }
        }
    }
    auto family = families_.find(name);
    if (family != families_.end() && (family->second.kind != kind || family->second.bounds != bounds)) {
        const std::string owner = family->second.describe();
        if (!forget_if_unused(family)) {
            grant.problem = "it is " + owner + " already";
            return grant;
        }
        family = families_.end();
    }
    if (family == families_.end()) {
        family = families_.emplace(std::string(name), Family{kind, std::string(help), bounds, {}}).first;
    }
    std::unique_ptr<Series>& series = family->second.series[std::string(plugin)];
    if (!series) {
        series = std::make_unique<Series>();
        series->plugin = std::string(plugin);
        if (kind == MeterKind::counter) {
            series->counter = std::make_unique<PluginCounter>();
        } else {
            series->histogram = std::make_unique<PluginHistogram>(bounds);
        }
    }
    ++series->claims;
    grant.series = series.get();
    grant.counter = series->counter.get();
    grant.histogram = series->histogram.get();
    return grant;
}

void PluginMeters::expose(const std::vector<Series*>& series) {
    std::lock_guard lock(mutex_);
    for (Series* each : series) each->exposed = true;
}

void PluginMeters::release(const std::vector<Series*>& series) {
    std::lock_guard lock(mutex_);
    for (Series* each : series) --each->claims;
}

std::vector<prometheus::MetricFamily> PluginMeters::collect() const {
    std::vector<prometheus::MetricFamily> collected;
    std::lock_guard lock(mutex_);
    for (const auto& [name, family] : families_) {
        prometheus::MetricFamily shown;
        for (const auto& [plugin, series] : family.series) {
            if (!series->exposed) continue;
            prometheus::ClientMetric sample;
            if (series->counter) {
                sample.counter.value = series->counter->value();
            } else {
                sample = series->histogram->collect();
            }
            sample.label = {{"plugin", plugin}};
            shown.metric.push_back(std::move(sample));
        }
        if (shown.metric.empty()) continue;
        shown.name = name;
        shown.help = family.help;
        shown.type = family.kind == MeterKind::counter ? prometheus::MetricType::Counter : prometheus::MetricType::Histogram;
        collected.push_back(std::move(shown));
    }
    return collected;
}

MeterClaim& MeterClaim::operator=(MeterClaim&& other) noexcept {
    if (this != &other) {
        if (meters_ && !series_.empty()) meters_->release(series_);
        meters_ = std::move(other.meters_);
        plugin_ = std::move(other.plugin_);
        series_ = std::move(other.series_);
        other.series_.clear();
    }
    return *this;
}

MeterClaim::~MeterClaim() {
    if (meters_ && !series_.empty()) meters_->release(series_);
}

PluginMeters::Grant MeterClaim::grant(MeterKind kind, std::string_view name, std::string_view help,
                                      const std::vector<double>& bounds) {
    PluginMeters::Grant grant;
    if (!meters_) {
        grant.problem = "this host keeps no plugin metrics";
        return grant;
    }
    grant = meters_->grant(plugin_, kind, name, help, bounds);
    if (grant.series) series_.push_back(grant.series);
    return grant;
}

void MeterClaim::expose() {
    if (meters_ && !series_.empty()) meters_->expose(series_);
}

}  // namespace plugin_host
