#include "plugins/plugin_manager.hpp"

#include "plugins/route_placement.hpp"

#include <algorithm>
#include <set>
#include <system_error>

// Brings each change (start-up, a reload, changed files) into service as a whole, drains
// and unloads what it replaced, and says what serves (status()); others render that.

namespace plugin_host {
namespace {

std::string describe(const PluginConfig& config) {
    return "plugin '" + config.name + "' (" + config.library.string() + ")";
}

/// The default time a load may take, for a manager given no RegistrationThreads.
constexpr std::chrono::milliseconds kDefaultLoadLimit{10000};

}  // namespace

PluginManager::PluginManager(Router& router, PluginServices services,
                             const std::filesystem::path& shadow_parent, Poco::Logger& logger, PluginTrust trust,
                             std::shared_ptr<RegistrationThreads> registrations)
    : router_(router),
      services_(std::move(services)),
      logger_(logger),
      trust_(std::move(trust)),
      registrations_(registrations ? std::move(registrations)
                                   : std::make_shared<RegistrationThreads>(kDefaultLoadLimit)),
      shadow_folder_(shadow_parent, trust_),
      versions_(trust_, shadow_folder_, *registrations_, services_, logger_),
      handover_(services_.lifecycle_timeout, logger_) {}

PluginManager::~PluginManager() {
    router_.publish(std::make_shared<const RouteTable>());
    {
        std::lock_guard operation(operation_mutex_);
        for (auto& [name, slot] : slots_) {
            if (slot.plugin) handover_.stop(slot.plugin, kept_for_good_);
        }
        for (const auto& old : draining_) handover_.stop(old, kept_for_good_);
        // Their code may still run on a thread past its limit: never unloaded.
        if (!kept_for_good_.empty()) VersionHandover::keep_until_exit(std::move(kept_for_good_));
    }
    {
        std::lock_guard operation(operation_mutex_);
        std::lock_guard state(state_mutex_);
        // A version held elsewhere still (by a Deferred of it, contract 2.2, in a timer's
        // queue, say) would be unloaded by that last owner from inside the plugin's own code:
        // never unloaded either.
        VersionHandover::Kept still_held;
        const auto keep_if_held = [&still_held](const std::shared_ptr<LoadedPlugin>& plugin) {
            if (plugin && plugin.use_count() > 1) still_held.push_back(plugin);
        };
        for (auto& [name, slot] : slots_) {
            slot.endpoints.clear();
            slot.filters.clear();
            keep_if_held(slot.plugin);
        }
        for (const auto& old : draining_) keep_if_held(old);
        if (!still_held.empty()) VersionHandover::keep_until_exit(std::move(still_held));
        slots_.clear();
        draining_.clear();
    }
}

void PluginManager::load_all(const std::vector<PluginConfig>& plugins) {
    std::lock_guard operation(operation_mutex_);
    std::vector<ChangeStep> steps;
    for (const PluginConfig& config : plugins) steps.push_back(step_for(config, true, true));
    change(steps, {}, "start-up");
    for (const ChangeStep& step : steps) {
        if (step.outcome != ChangeOutcome::refused) continue;
        if (!step.no_thread.empty()) {
            throw std::system_error(EAGAIN, std::generic_category(), "cannot start a thread to load a plugin");
        }
        if (!step.config.optional) throw PluginRefused(step.refusal);
        logger_.warning("Starting without the optional plugin '" + step.config.name +
                        "'; /healthz reports it missing");
    }
}

ReloadReport PluginManager::apply(const std::vector<PluginConfig>& plugins) {
    std::lock_guard operation(operation_mutex_);
    std::set<std::string, std::less<>> wanted;
    for (const PluginConfig& config : plugins) wanted.insert(config.name);
    std::vector<std::string> removed;
    for (const std::string& name : order_) {
        if (!wanted.contains(name)) removed.push_back(name);
    }
    std::vector<ChangeStep> steps;
    for (const PluginConfig& config : plugins) {
        const PluginSlot* slot = find_slot(config.name);
        const bool section_changed = !slot || !slot->plugin || slot->config.library != config.library ||
                                     slot->config.settings != config.settings ||
                                     slot->config.filter_position != config.filter_position;
        steps.push_back(step_for(config, true, section_changed));
    }
    return change(steps, removed, "reload");
}

ReloadReport PluginManager::reload_changed_files(std::chrono::milliseconds settle, std::string_view trigger,
                                                 std::optional<std::chrono::system_clock::time_point>& recheck_at) {
    std::lock_guard operation(operation_mutex_);
    const auto now = std::chrono::system_clock::now();
    std::vector<ChangeStep> steps;
    bool any = false;
    for (const std::string& name : order_) {
        const PluginSlot& slot = slots_.at(name);
        ChangeStep& step = steps.emplace_back(step_for(slot.config, false, false));
        const std::optional<FileSignature> signature = signature_of(slot.config.library);
        if (!signature || (slot.plugin && *signature == slot.signature) || slot.refused_signature == signature) {
            continue;
        }
        const auto quiet_from = signature->changed_at() + settle;
        if (now < quiet_from) {
            if (!recheck_at || quiet_from < *recheck_at) recheck_at = quiet_from;
            continue;
        }
        step.try_load = true;
        any = true;
    }
    if (!any) return {};
    return change(steps, {}, trigger);
}

ChangeStep PluginManager::step_for(const PluginConfig& config, bool try_load, bool force) const {
    ChangeStep step(config, try_load, force);
    if (const PluginSlot* slot = find_slot(config.name)) {
        step.serving = slot->plugin != nullptr;
        step.serving_signature = slot->signature;
        step.serving_fingerprint = slot->fingerprint;
        step.generation = slot->generation + 1;
    }
    return step;
}

const PluginSlot* PluginManager::find_slot(std::string_view name) const {
    const auto slot = slots_.find(name);
    return slot == slots_.end() ? nullptr : &slot->second;
}

ReloadReport PluginManager::change(std::vector<ChangeStep>& steps, const std::vector<std::string>& removed,
                                   std::string_view trigger) {
    // Every new version is loaded first (each on a thread of its own, all at once), then
    // placed; only then does anything change.
    versions_.load(steps);

    std::vector<RouteCandidate> candidates;
    for (const ChangeStep& step : steps) {
        const PluginSlot* slot = find_slot(step.config.name);
        RouteCandidate& candidate = candidates.emplace_back();
        if (slot && slot->plugin) candidate.serving = RouteOffer{slot->endpoints, slot->filters};
        if (step.incoming) candidate.incoming = RouteOffer{step.incoming->endpoints, step.incoming->filters};
        candidate.filter_position = step.config.filter_position;
    }
    const RoutePlacement placement = place_routes(candidates);
    // The serving versions' endpoints and filters hold their plugins: let go of them here, or
    // the handover below would count these references as requests still running on them.
    candidates.clear();
    std::vector<bool> retired(steps.size(), false);
    bool changed = !removed.empty();
    for (std::size_t at = 0; at < steps.size(); ++at) {
        ChangeStep& step = steps[at];
        const PluginSlot* slot = find_slot(step.config.name);
        retired[at] = slot && slot->plugin && placement.placed[at] == Placed::nothing;
        if (step.incoming && placement.placed[at] == Placed::incoming) {
            step.outcome = ChangeOutcome::loaded;
        } else if (step.incoming) {
            step.outcome = ChangeOutcome::refused;
            step.refusal = describe(step.config) + ": " + placement.clash[at];
            step.refused_signature = step.image.source;
        }
        changed = changed || step.outcome == ChangeOutcome::loaded || retired[at];
    }
    if (changed) router_.publish(placement.table);

    std::vector<std::uint64_t> replaced;
    for (const ChangeStep& step : steps) {
        const PluginSlot* slot = find_slot(step.config.name);
        replaced.push_back(slot && slot->plugin ? slot->generation : 0);
    }
    for (const std::string& name : removed) {
        const PluginSlot& slot = slots_.at(name);
        if (slot.plugin) {
            logger_.information("Removed plugin '" + name + "' generation " + std::to_string(slot.generation) +
                                "; it drains");
        }
    }
    std::vector<std::shared_ptr<LoadedPlugin>> outgoing;
    for (const ChangeStep& step : steps) {
        const PluginSlot* slot = find_slot(step.config.name);
        outgoing.push_back(step.outcome == ChangeOutcome::loaded && slot ? slot->plugin : nullptr);
    }
    commit(steps, removed, retired);
    for (std::size_t at = 0; at < steps.size(); ++at) {
        if (steps[at].outcome != ChangeOutcome::loaded) continue;
        const PluginSlot& slot = slots_.at(steps[at].config.name);
        if (!services_.run_hooks) {
            slot.plugin->open();
            continue;
        }
        handover_.bring_in(slot.plugin, std::move(outgoing[at]), kept_for_good_);
    }

    ReloadReport report;
    report.removed = removed;
    for (std::size_t at = 0; at < steps.size(); ++at) {
        const ChangeStep& step = steps[at];
        slots_.at(step.config.name).log_outcome(step, trigger, replaced[at], logger_);
        if (retired[at] && step.outcome != ChangeOutcome::refused) {
            logger_.warning("Plugin '" + step.config.name + "' serves nothing: its routes clash with another's");
        }
        switch (step.outcome) {
        case ChangeOutcome::kept: break;
        case ChangeOutcome::loaded: report.loaded.push_back(step.config.name); break;
        case ChangeOutcome::unchanged: report.unchanged.push_back(step.config.name); break;
        case ChangeOutcome::refused: report.refused.emplace_back(step.config.name, step.refusal); break;
        }
    }
    return report;  // versions refused (step.incoming) are unloaded as `steps` go, on this thread
}

void PluginManager::commit(std::vector<ChangeStep>& steps, const std::vector<std::string>& removed,
                           const std::vector<bool>& retired) {
    std::lock_guard state(state_mutex_);
    for (const std::string& name : removed) {
        PluginSlot& slot = slots_.at(name);
        if (slot.plugin) draining_.push_back(std::move(slot.plugin));
        slots_.erase(name);
    }
    std::vector<std::string> order;
    for (std::size_t at = 0; at < steps.size(); ++at) {
        ChangeStep& step = steps[at];
        order.push_back(step.config.name);
        const bool is_new = !slots_.contains(step.config.name);
        PluginSlot& slot = slots_[step.config.name];
        if (is_new) slot.config = step.config;
        slot.take(step, retired[at], draining_);
    }
    order_ = std::move(order);
}

std::size_t PluginManager::unload_drained() {
    std::lock_guard operation(operation_mutex_);
    std::vector<std::shared_ptr<LoadedPlugin>> unused;
    std::size_t remaining = 0;
    {
        std::lock_guard state(state_mutex_);
        const auto in_use = std::partition(draining_.begin(), draining_.end(),
                                           [](const auto& plugin) { return plugin.use_count() > 1; });
        std::move(in_use, draining_.end(), std::back_inserter(unused));

        draining_.erase(in_use, draining_.end());
        remaining = draining_.size();
    }
    for (std::shared_ptr<LoadedPlugin>& plugin : unused) {
        handover_.stop(plugin, kept_for_good_);
        if (std::find(kept_for_good_.begin(), kept_for_good_.end(), plugin) != kept_for_good_.end()) continue;
        const std::string what = "plugin '" + plugin->name() + "' generation " + std::to_string(plugin->generation());
        plugin.reset();  // the last reference: unloads here, on this thread
        logger_.information("Unloaded " + what);
    }
    return remaining;
}

std::vector<PluginStatus> PluginManager::status() const {
    std::lock_guard state(state_mutex_);
    std::vector<PluginStatus> statuses;
    for (const std::string& name : order_) {
        const PluginSlot& slot = slots_.at(name);
        PluginStatus status;
        status.name = name;
        status.file = slot.config.library;
        status.loaded = slot.plugin != nullptr;
        status.generation = slot.plugin ? slot.generation : 0;
        if (slot.plugin) status.loaded_at = slot.plugin->loaded_at();
        for (const auto& endpoint : slot.endpoints) status.routes.push_back(endpoint->label());
        for (const auto& filter : slot.filters) status.filters.push_back(filter->label());
        status.last_refusal = slot.last_refusal;
        status.loads = slot.generation;
        status.refusals = slot.refusals;
        for (const auto& old : draining_) {
            if (old->name() == name) status.draining.push_back({old->generation(), old->loaded_at()});
        }
        statuses.push_back(std::move(status));
    }
    for (const auto& old : draining_) {
        if (slots_.contains(old->name())) continue;
        const auto listed = std::find_if(statuses.begin(), statuses.end(),
                                         [&old](const PluginStatus& status) { return status.name == old->name(); });
        PluginStatus& status = listed != statuses.end() ? *listed : statuses.emplace_back();
        status.name = old->name();
        status.file = old->file();
        status.configured = false;
        status.draining.push_back({old->generation(), old->loaded_at()});
    }
    return statuses;
}

std::vector<std::filesystem::path> PluginManager::plugin_folders() const {
    std::lock_guard state(state_mutex_);
    std::set<std::filesystem::path> folders;
    for (const auto& [name, slot] : slots_) folders.insert(slot.config.library.parent_path());
    return {folders.begin(), folders.end()};
}

}  // namespace plugin_host
