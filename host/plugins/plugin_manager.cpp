#include "plugins/plugin_manager.hpp"

#include "plugins/plugin_metrics.hpp"

#include <algorithm>
#include <set>

namespace plugin_host {
namespace {

std::string describe(const PluginConfig& config) {
    return "plugin '" + config.name + "' (" + config.library.string() + ")";
}

/// Removes a private image once it is mapped (or failed to be): the mapping stays valid.
struct ImageRemover {
    std::filesystem::path path;
    ~ImageRemover() {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
    }
};

}  // namespace

PluginManager::PluginManager(Router& router, plugin_api::Repository& repository,
                             const std::filesystem::path& shadow_parent, Poco::Logger& logger, PluginTrust trust)
    : router_(router),
      repository_(repository),
      logger_(logger),
      trust_(std::move(trust)),
      shadow_folder_(shadow_parent, trust_) {}

PluginManager::~PluginManager() {
    router_.publish(std::make_shared<const RouteTable>());
    {
        std::lock_guard operation(operation_mutex_);
        std::lock_guard state(state_mutex_);
        slots_.clear();
        draining_.clear();
    }
}

void PluginManager::load_all(const std::vector<PluginConfig>& plugins) {
    std::lock_guard operation(operation_mutex_);
    for (const PluginConfig& config : plugins) {
        Slot* slot = nullptr;
        {
            std::lock_guard state(state_mutex_);
            slot = &slots_[config.name];
            slot->config = config;
            order_.push_back(config.name);
        }
        std::string refusal;
        if (replace(*slot, config, true, "start-up", refusal) != Outcome::refused) continue;
        if (!config.optional) throw PluginRefused(refusal);
        logger_.warning("Starting without the optional plugin '" + config.name + "'; /healthz reports it missing");
    }
}

ReloadReport PluginManager::apply(const std::vector<PluginConfig>& plugins) {
    std::lock_guard operation(operation_mutex_);
    ReloadReport report;

    std::set<std::string, std::less<>> wanted;
    for (const PluginConfig& config : plugins) wanted.insert(config.name);
    for (const std::string& name : std::vector<std::string>(order_)) {
        if (wanted.contains(name)) continue;
        router_.publish(table_with(name, {}));
        std::lock_guard state(state_mutex_);
        Slot& slot = slots_.at(name);
        if (slot.plugin) {
            logger_.information("Removed plugin '" + name + "' generation " + std::to_string(slot.generation) +
                                "; it drains");
            draining_.push_back(std::move(slot.plugin));
        }
        slots_.erase(name);
        std::erase(order_, name);
        report.removed.push_back(name);
    }

    for (const PluginConfig& config : plugins) {
        Slot* slot = nullptr;
        {
            std::lock_guard state(state_mutex_);
            const bool is_new = !slots_.contains(config.name);
            slot = &slots_[config.name];
            if (is_new) {
                slot->config = config;
                order_.push_back(config.name);
            }
        }
        const bool section_changed = !slot->plugin || slot->config.library != config.library ||
                                     slot->config.settings != config.settings;
        std::string refusal;
        switch (replace(*slot, config, section_changed, "reload", refusal)) {
        case Outcome::loaded: report.loaded.push_back(config.name); break;
        case Outcome::unchanged: report.unchanged.push_back(config.name); break;
        case Outcome::refused: report.refused.emplace_back(config.name, refusal); break;
        }
    }
    std::lock_guard state(state_mutex_);
    std::vector<std::string> order;
    for (const PluginConfig& config : plugins) order.push_back(config.name);
    order_ = std::move(order);
    return report;
}

ReloadReport PluginManager::reload_changed_files(std::chrono::milliseconds settle, std::string_view trigger,
                                                 std::optional<std::chrono::system_clock::time_point>& recheck_at) {
    std::lock_guard operation(operation_mutex_);
    ReloadReport report;
    const auto now = std::chrono::system_clock::now();
    for (const std::string& name : order_) {
        Slot& slot = slots_.at(name);
        const std::optional<FileSignature> signature = signature_of(slot.config.library);
        if (!signature || (slot.plugin && *signature == slot.signature) || slot.refused_signature == signature) {
            continue;
        }
        const auto quiet_from = signature->changed_at() + settle;
        if (now < quiet_from) {
            if (!recheck_at || quiet_from < *recheck_at) recheck_at = quiet_from;
            continue;
        }
        std::string refusal;
        switch (replace(slot, slot.config, false, trigger, refusal)) {
        case Outcome::loaded: report.loaded.push_back(name); break;
        case Outcome::unchanged: report.unchanged.push_back(name); break;
        case Outcome::refused: report.refused.emplace_back(name, refusal); break;
        }
    }
    return report;
}

PluginManager::Outcome PluginManager::replace(Slot& slot, const PluginConfig& config, bool force,
                                              std::string_view trigger, std::string& refusal) {
    const std::optional<FileSignature> signature = signature_of(config.library);
    if (!signature) {
        refusal = describe(config) + ": no such file";
        refuse(slot, std::nullopt, refusal);
        return Outcome::refused;
    }
    if (!force && slot.plugin && *signature == slot.signature) return Outcome::unchanged;

    const PluginTrust::Decision trusted = trust_.check(config.library);
    if (!trusted.refusal.empty()) {
        refusal = describe(config) + ": " + trusted.refusal;
        refuse(slot, signature, refusal);
        return Outcome::refused;
    }
    const std::filesystem::path image_path = shadow_folder_.next_image(config.name);
    const ImageRemover remover{image_path};
    PluginImage image;
    try {
        image = copy_plugin_image(trusted.file, image_path);
    } catch (const FileInMotion&) {
        refusal = describe(config) + ": changed while it was being read; it is tried again once quiet";
        logger_.warning(refusal);
        return Outcome::refused;
    } catch (const std::exception& error) {
        refusal = describe(config) + ": " + error.what();
        refuse(slot, signature, refusal);
        return Outcome::refused;
    }
    if (!force && slot.plugin && image.fingerprint == slot.fingerprint) {
        std::lock_guard state(state_mutex_);
        slot.signature = image.source;  // touched or copied again, same content: keep serving
        return Outcome::unchanged;
    }

    PluginLoad load;
    std::shared_ptr<const RouteTable> table;
    try {
        load = load_plugin(config, image.path, slot.generation + 1, repository_);
        table = table_with(config.name, load.endpoints);
    } catch (const PluginRefused& refused) {
        refusal = refused.what();
        refuse(slot, image.source, refusal);
        return Outcome::refused;
    } catch (const RouteConflict& conflict) {
        refusal = describe(config) + ": " + conflict.what();
        refuse(slot, image.source, refusal);
        return Outcome::refused;
    }

    router_.publish(std::move(table));
    const std::uint64_t replaced = slot.plugin ? slot.generation : 0;
    {
        std::lock_guard state(state_mutex_);
        if (slot.plugin) draining_.push_back(std::move(slot.plugin));
        slot.config = config;
        slot.plugin = load.plugin;
        slot.endpoints = std::move(load.endpoints);
        slot.generation = load.plugin->generation();
        slot.signature = image.source;
        slot.fingerprint = image.fingerprint;
        slot.refused_signature.reset();
    }
    std::string routes;
    for (const auto& endpoint : slot.endpoints) routes += (routes.empty() ? "" : ", ") + endpoint->label();
    logger_.information("Loaded plugin '" + config.name + "' generation " + std::to_string(slot.generation) +
                        " from " + config.library.string() + " (" + routes + ") [" + std::string(trigger) + "]" +
                        (replaced ? "; generation " + std::to_string(replaced) + " drains" : ""));
    return Outcome::loaded;
}

void PluginManager::refuse(Slot& slot, const std::optional<FileSignature>& signature, std::string reason) {
    logger_.error("Refused " + reason +
                  (slot.plugin ? "; generation " + std::to_string(slot.generation) + " keeps serving"
                               : "; nothing serves it"));
    std::lock_guard state(state_mutex_);
    slot.refused_signature = signature;
    ++slot.refusals;
    slot.last_refusal = Refusal{std::chrono::system_clock::now(), std::move(reason)};
}

std::shared_ptr<const RouteTable> PluginManager::table_with(
    const std::string& replaced_name, const std::vector<std::shared_ptr<const Endpoint>>& replacement) const {
    std::vector<std::shared_ptr<const Endpoint>> endpoints;
    for (const auto& [name, slot] : slots_) {
        if (name != replaced_name) endpoints.insert(endpoints.end(), slot.endpoints.begin(), slot.endpoints.end());
    }
    endpoints.insert(endpoints.end(), replacement.begin(), replacement.end());
    return std::make_shared<const RouteTable>(endpoints);
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
        const Slot& slot = slots_.at(name);
        PluginStatus status;
        status.name = name;
        status.file = slot.config.library;
        status.loaded = slot.plugin != nullptr;
        status.generation = slot.plugin ? slot.generation : 0;
        if (slot.plugin) status.loaded_at = slot.plugin->loaded_at();
        for (const auto& endpoint : slot.endpoints) status.routes.push_back(endpoint->label());
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

void PluginManager::write_metrics(PrometheusText& out) const { write_plugin_metrics(status(), out); }

std::vector<std::filesystem::path> PluginManager::plugin_folders() const {
    std::lock_guard state(state_mutex_);
    std::set<std::filesystem::path> folders;
    for (const auto& [name, slot] : slots_) folders.insert(slot.config.library.parent_path());
    return {folders.begin(), folders.end()};
}

}  // namespace plugin_host
