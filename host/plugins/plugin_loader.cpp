#include "plugins/plugin_loader.hpp"

#include "plugins/plugin_file.hpp"

#include <dlfcn.h>

#include <cstring>
#include <utility>

namespace plugin_host {
namespace {

/// The Registrar a plugin sees during register_endpoints(): collects the endpoints.
class CollectingRegistrar final : public plugin_api::Registrar {
public:
    CollectingRegistrar(const PluginConfig& config, plugin_api::Repository& repository)
        : config_(config), repository_(repository) {}

    void add_post_endpoint(std::string path, plugin_api::EndpointCallback callback) override {
        collected_.emplace_back(std::move(path), std::move(callback));
    }

    plugin_api::Repository& repository() override { return repository_; }

    std::string setting(std::string_view key, std::string_view fallback) const override {
        const auto found = config_.settings.find(key);
        return found == config_.settings.end() ? std::string(fallback) : found->second;
    }

    std::string_view plugin_name() const override { return config_.name; }

    std::vector<std::pair<std::string, plugin_api::EndpointCallback>>& collected() {
        return collected_;
    }

private:
    const PluginConfig& config_;
    plugin_api::Repository& repository_;
    std::vector<std::pair<std::string, plugin_api::EndpointCallback>> collected_;
};

std::string check_path(std::string_view path) {
    if (path.empty() || path.front() != '/') return "must start with '/'";
    if (path.size() > 1024) return "is longer than 1024 characters";
    for (const char c : path) {
        if (static_cast<unsigned char>(c) <= ' ' || c == '?' || c == '#' || c == 0x7f) {
            return "contains a space, control character, '?' or '#'";
        }
    }
    if (is_host_path(path)) return "is reserved for the host";
    return {};
}

}  // namespace

bool is_host_path(std::string_view path) {
    return path == "/healthz" || path == "/metrics" || path == "/admin" ||
           path.starts_with("/admin/");
}

PluginLoad load_plugin(const PluginConfig& config, const std::filesystem::path& image,
                       std::uint64_t generation, plugin_api::Repository& repository) {
    const std::string who = "plugin '" + config.name + "' (" + config.library.string() + ")";
    const auto refuse = [&who](std::string_view reason) {
        return PluginRefused(who + ": " + std::string(reason));
    };

    if (const std::string problem = check_shared_object(image); !problem.empty()) throw refuse(problem);

    boost::dll::shared_library library;
    std::error_code load_error;
    library.load(image, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, load_error);
    if (load_error) {
        const char* error_text = dlerror();
        std::string reason = error_text ? error_text : load_error.message();
        // Name the published file, not the private copy the host loaded.
        for (auto at = reason.find(image.string()); at != std::string::npos;
             at = reason.find(image.string(), at + config.library.string().size())) {
            reason.replace(at, image.string().size(), config.library.string());
        }
        throw refuse("cannot be loaded: " + reason);
    }

    for (const char* symbol : {"plugin_api_contract_version", "plugin_api_abi_tag", "plugin_api_create"}) {
        if (!library.has(symbol)) {
            throw refuse(std::string("is not an endpoint plugin: it does not export ") + symbol +
                         " (use PLUGIN_API_EXPORT)");
        }
    }
    const std::uint32_t version = library.get_alias<const std::uint32_t>("plugin_api_contract_version");
    if (version != plugin_api::kContractVersion) {
        throw refuse("was built for plugin contract version " + std::to_string(version) +
                     ", this host speaks version " + std::to_string(plugin_api::kContractVersion));
    }
    const char* const abi_tag = library.get_alias<const char* const>("plugin_api_abi_tag");
    if (std::strcmp(abi_tag, plugin_api::kAbiTag) != 0) {
        throw refuse(std::string("was built against the C++ library ABI ") + abi_tag +
                     ", this host uses " + plugin_api::kAbiTag);
    }

    auto& create = library.get_alias<plugin_api::CreatePlugin>("plugin_api_create");
    std::unique_ptr<plugin_api::EndpointPlugin> instance;
    try {
        instance = create();
    } catch (const std::exception& error) {
        throw refuse(std::string("failed to create its plugin object: ") + error.what());
    } catch (...) {
        throw refuse("failed to create its plugin object");
    }
    if (!instance) throw refuse("its factory returned no plugin object");

    auto plugin = std::make_shared<LoadedPlugin>(config.name, config.library, generation,
                                                 std::move(library), std::move(instance));
    CollectingRegistrar registrar(config, repository);  // destroyed before `plugin`
    try {
        plugin->instance().register_endpoints(registrar);
    } catch (const std::exception& error) {
        throw refuse(std::string("failed to register its endpoints: ") + error.what());
    } catch (...) {
        throw refuse("failed to register its endpoints");
    }

    PluginLoad load{plugin, {}};
    for (auto& [path, callback] : registrar.collected()) {
        if (const std::string problem = check_path(path); !problem.empty()) {
            throw refuse("endpoint path \"" + path + "\" " + problem);
        }
        if (!callback) throw refuse("registered POST " + path + " without a callback");
        for (const auto& earlier : load.endpoints) {
            if (earlier->path == path) throw refuse("registered POST " + path + " twice");
        }
        load.endpoints.push_back(std::make_shared<const Endpoint>(
            Endpoint{plugin, config.name, "POST", path, std::move(callback)}));
    }
    if (load.endpoints.empty()) throw refuse("registered no endpoint");
    return load;
}

}  // namespace plugin_host
