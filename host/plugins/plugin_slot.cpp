#include "plugins/plugin_slot.hpp"

// The bookkeeping of one plugin across changes: what a change step leaves in its slot, and
// the log line that says so. Runs on the thread of the change.

namespace plugin_host {

void PluginSlot::take(ChangeStep& step, bool retired, std::vector<std::shared_ptr<LoadedPlugin>>& draining) {
    switch (step.outcome) {
    case ChangeOutcome::loaded:
        if (plugin) draining.push_back(std::move(plugin));
        config = step.config;
        plugin = step.incoming->plugin;
        endpoints = std::move(step.incoming->endpoints);
        filters = std::move(step.incoming->filters);
        step.incoming->meters.expose();  // a refused version's series stay hidden
        generation = plugin->generation();
        signature = step.image.source;
        fingerprint = step.image.fingerprint;
        refused_signature.reset();
        break;
    case ChangeOutcome::unchanged:
        if (step.same_content) signature = step.image.source;
        break;
    case ChangeOutcome::refused:
        if (!plugin) config = step.config;  // nothing serves: watch the file now configured
        if (!step.record_refusal) break;
        refused_signature = step.refused_signature;
        ++refusals;
        last_refusal = Refusal{std::chrono::system_clock::now(), step.refusal};
        break;
    case ChangeOutcome::kept: break;
    }
    if (retired && plugin) {
        draining.push_back(std::move(plugin));
        endpoints.clear();
        filters.clear();
    }
}

void PluginSlot::log_outcome(const ChangeStep& step, std::string_view trigger, std::uint64_t replaced,
                             Poco::Logger& logger) const {
    if (step.outcome == ChangeOutcome::loaded) {
        std::string routes;
        for (const auto& endpoint : endpoints) routes += (routes.empty() ? "" : ", ") + endpoint->label();
        logger.information("Loaded plugin '" + step.config.name + "' generation " + std::to_string(generation) +
                           " from " + step.config.library.string() + " (" + routes + ") [" + std::string(trigger) +
                           "]" + (replaced ? "; generation " + std::to_string(replaced) + " drains" : ""));
        if (!filters.empty() && !step.config.filter_position) {
            logger.warning("Plugin '" + step.config.name + "' registers filters that do not run: [filters] apply " +
                           "does not list it");
        }
    } else if (step.outcome == ChangeOutcome::refused && step.record_refusal) {
        logger.error("Refused " + step.refusal +
                     (plugin ? "; generation " + std::to_string(generation) + " keeps serving"
                             : "; nothing serves it"));
    }
}

}  // namespace plugin_host
