#include "plugins/plugin_registrar.hpp"

#include <utility>

namespace plugin_host {
namespace {

/// A metric's name as the plugin gave it, for a problem's text: quoted, at most 80
/// characters, anything but printable ASCII shown as '?'.
std::string quoted(std::string_view name) {
    std::string text = "\"";
    for (const char c : name.substr(0, 80)) text += c >= 0x20 && c < 0x7f ? c : '?';
    return text + (name.size() > 80 ? "...\"" : "\"");
}

}  // namespace

PluginRegistrar::PluginRegistrar(const PluginConfig& config, plugin_api::Logger& logger,
                                 const PluginServices& services)
    : config_(config), settings_(config), logger_(logger), services_(services), meters_(services.meters, config.name) {}

void PluginRegistrar::add_route(std::string_view method, std::string_view path_template, plugin_api::Handler handler) {
    routes_.push_back({std::string(method), std::string(path_template), std::move(handler)});
}

void PluginRegistrar::add_filter(std::string_view methods, std::string_view path_pattern,
                                 plugin_api::BeforeHook before, plugin_api::AfterHook after) {
    filters_.push_back({std::string(methods), std::string(path_pattern), std::move(before), std::move(after)});
}

void PluginRegistrar::on_lifecycle(std::function<void()> start, std::function<void()> stop) {
    if (lifecycle_registered_) problems_.emplace_back("called on_lifecycle() twice");
    lifecycle_registered_ = true;
    hooks_.start = std::move(start);
    hooks_.stop = std::move(stop);
}

void PluginRegistrar::keep_state(std::function<std::string()> save, std::function<void(std::string_view)> restore) {
    if (state_registered_) problems_.emplace_back("called keep_state() twice");
    if (!save || !restore) problems_.emplace_back("called keep_state() without both a save and a restore");
    state_registered_ = true;
    hooks_.save = std::move(save);
    hooks_.restore = std::move(restore);
}

plugin_api::Counter& PluginRegistrar::counter(std::string_view name, std::string_view help) {
    std::string problem = meter_definition_problem(MeterKind::counter, name, help, {});
    if (problem.empty()) {
        const PluginMeters::Grant grant = meters_.grant(MeterKind::counter, name, help, {});
        if (grant.counter) return *grant.counter;
        problem = grant.problem;
    }
    problems_.push_back("asked for the counter " + quoted(name) + ": " + problem);
    return discarded_counter();  // counts nothing until the plugin is refused
}

plugin_api::Histogram& PluginRegistrar::histogram(std::string_view name, std::string_view help,
                                                  std::vector<double> bounds) {
    std::string problem = meter_definition_problem(MeterKind::histogram, name, help, bounds);
    if (problem.empty()) {
        const PluginMeters::Grant grant = meters_.grant(MeterKind::histogram, name, help, bounds);
        if (grant.histogram) return *grant.histogram;
        problem = grant.problem;
    }
    problems_.push_back("asked for the histogram " + quoted(name) + ": " + problem);
    return discarded_histogram();
}

void PluginRegistrar::set_max_body_bytes(std::string_view method, std::string_view path_template,
                                         std::uint64_t bytes) {
    body_limits_.push_back({std::string(method), std::string(path_template), bytes});
}

std::vector<std::string> PluginRegistrar::problems() const {
    std::vector<std::string> all = settings_.problems();
    all.insert(all.end(), problems_.begin(), problems_.end());
    return all;
}

}  // namespace plugin_host
