#include "contract/plugin_settings.hpp"

#include "config/typed_value.hpp"

#include <algorithm>

namespace plugin_host {
namespace {

/// The keys of a plugin's section that are the host's, not the plugin's.
bool is_host_key(std::string_view key) { return key == "library" || key == "optional"; }

}  // namespace

PluginSettings::PluginSettings(const PluginConfig& config) : config_(config) {}

const std::string* PluginSettings::lookup(std::string_view key) {
    if (std::find(asked_.begin(), asked_.end(), key) == asked_.end()) asked_.emplace_back(key);
    const auto found = config_.settings.find(key);
    return found == config_.settings.end() ? nullptr : &found->second;
}

void PluginSettings::wrong(std::string_view key, const std::string& problem) {
    wrong_.push_back(config_.where(key) + problem);
}

std::string PluginSettings::text(std::string_view key, std::string_view fallback) {
    const std::string* value = lookup(key);
    return value ? *value : std::string(fallback);
}

std::int64_t PluginSettings::integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) {
    const std::string* value = lookup(key);
    if (!value) return fallback;
    std::string problem;
    const std::optional<std::int64_t> parsed = parse_integer(*value, min, max, problem);
    if (!parsed) wrong(key, problem);
    return parsed.value_or(fallback);
}

bool PluginSettings::boolean(std::string_view key, bool fallback) {
    const std::string* value = lookup(key);
    if (!value) return fallback;
    std::string problem;
    const std::optional<bool> parsed = parse_boolean(*value, problem);
    if (!parsed) wrong(key, problem);
    return parsed.value_or(fallback);
}

std::chrono::milliseconds PluginSettings::duration(std::string_view key, std::chrono::milliseconds fallback) {
    const std::string* value = lookup(key);
    if (!value) return fallback;
    std::string problem;
    const std::optional<std::chrono::milliseconds> parsed = parse_duration(*value, problem);
    if (!parsed) wrong(key, problem);
    return parsed.value_or(fallback);
}

std::vector<std::string> PluginSettings::list(std::string_view key, std::vector<std::string> fallback) {
    const std::string* value = lookup(key);
    if (!value) return fallback;
    std::string problem;
    std::optional<std::vector<std::string>> parsed = parse_list(*value, problem);
    if (!parsed) {
        wrong(key, problem);
        return fallback;
    }
    return std::move(*parsed);
}

std::vector<std::string> PluginSettings::problems() const {
    std::vector<std::string> problems = wrong_;
    std::string reads;
    for (const std::string& key : asked_) {
        if (!is_host_key(key)) reads += (reads.empty() ? "" : ", ") + key;
    }
    const std::string known = "(" + config_.name + (reads.empty() ? " reads no settings)" : " reads: " + reads + ")");
    for (const auto& [key, value] : config_.settings) {
        if (is_host_key(key) || std::find(asked_.begin(), asked_.end(), key) != asked_.end()) continue;
        problems.push_back(config_.where(key) + "unknown key " + known);
    }
    return problems;
}

}  // namespace plugin_host
