#include "plugins/plugin_registrar.hpp"

#include <stdexcept>
#include <utility>

namespace plugin_host {

PluginRegistrar::PluginRegistrar(const PluginConfig& config, plugin_api::Logger& logger,
                                 const PluginServices& services)
    : config_(config), settings_(config), logger_(logger), services_(services) {}

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

plugin_api::Counter& PluginRegistrar::counter(std::string_view, std::string_view) {
    throw std::logic_error("counter(): plugin metrics are not available in this build");
}

plugin_api::Histogram& PluginRegistrar::histogram(std::string_view, std::string_view, std::vector<double>) {
    throw std::logic_error("histogram(): plugin metrics are not available in this build");
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
