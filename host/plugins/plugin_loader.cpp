#include "plugins/plugin_loader.hpp"

#include "contract/plugin_settings.hpp"
#include "plugins/plugin_stamp.hpp"
#include "routing/router.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <utility>

namespace plugin_host {
namespace {

/// The methods a route may serve. HEAD is answered from GET.
constexpr std::array<std::string_view, 6> kRouteMethods{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

struct Registered {
    std::string method;
    std::string path_template;
    plugin_api::Handler handler;
};

/// The Registrar a plugin sees during register_endpoints(): collects its routes; hands it
/// its settings, its logger and the repository.
class CollectingRegistrar final : public plugin_api::Registrar {
public:
    CollectingRegistrar(const PluginConfig& config, plugin_api::Logger& logger, plugin_api::Repository& repository)
        : config_(config), settings_(config), logger_(logger), repository_(repository) {}

    void add_route(std::string_view method, std::string_view path_template, plugin_api::Handler handler) override {
        collected_.push_back({std::string(method), std::string(path_template), std::move(handler)});
    }

    plugin_api::Settings& settings() override { return settings_; }
    plugin_api::Logger& logger() override { return logger_; }
    plugin_api::Repository& repository() override { return repository_; }
    std::string_view plugin_name() const override { return config_.name; }

    std::vector<Registered>& collected() { return collected_; }
    const PluginSettings& read_settings() const { return settings_; }

private:
    const PluginConfig& config_;
    PluginSettings settings_;
    plugin_api::Logger& logger_;
    plugin_api::Repository& repository_;
    std::vector<Registered> collected_;
};

/// Why `route` may not be registered, or an empty string.
std::string check_route(const Registered& route, const RouteTemplate& path) {
    if (std::find(kRouteMethods.begin(), kRouteMethods.end(), route.method) == kRouteMethods.end()) {
        return route.method == "HEAD" ? "registered HEAD " + path.text() + ": HEAD is answered from the GET route"
                                      : "registered the method \"" + route.method +
                                            "\": a route serves GET, POST, PUT, PATCH, DELETE or OPTIONS";
    }
    if (!route.handler) return "registered " + route.method + " " + path.text() + " without a handler";
    if (const std::string reserved = host_route_conflict(path); !reserved.empty()) {
        return "route " + route.method + " " + path.text() + " " + reserved;
    }
    return {};
}

std::string version_text(std::uint32_t major, std::uint32_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

}  // namespace

std::string host_route_conflict(const RouteTemplate& path) {
    const auto& segments = path.segments();
    if (segments.empty() || segments.front().kind != RouteTemplate::Segment::Kind::literal) return {};
    const std::string& first = segments.front().text;
    if (first == "admin") return "is under the host's own /admin/";
    if (segments.size() == 1 && (first == "healthz" || first == "metrics")) return "is the host's own /" + first;
    return {};
}

PluginLoad load_plugin(const PluginConfig& config, const std::filesystem::path& image,
                       std::uint64_t generation, plugin_api::Repository& repository,
                       const std::function<void()>& mapped) {
    const std::string who = "plugin '" + config.name + "' (" + config.library.string() + ")";
    const auto refuse = [&who](std::string_view reason) {
        return PluginRefused(who + ": " + std::string(reason));
    };

    // Read from the file, before it is mapped: mapping it runs the plugin's static constructors.
    PluginStamp stamp;
    try {
        stamp = read_plugin_stamp(image);
    } catch (const UnreadableStamp& unreadable) {
        throw refuse(unreadable.what());
    }
    const auto not_a_plugin = [&refuse](const char* missing) {
        return refuse(std::string("is not an endpoint plugin: it does not export ") + missing +
                      " (use PLUGIN_API_EXPORT)");
    };
    if (!stamp.contract_major) throw not_a_plugin("plugin_api_contract_version");
    if (!stamp.abi_tag) throw not_a_plugin("plugin_api_abi_tag");
    if (!stamp.exports_factory) throw not_a_plugin("plugin_api_create");
    // Contract 1 exported its version as one number; since 2 that is the major version,
    // beside the minor one.
    const std::uint32_t major = *stamp.contract_major;
    const std::string host_version = version_text(plugin_api::kContractMajor, plugin_api::kContractMinor);
    if (major != plugin_api::kContractMajor || !stamp.contract_minor) {
        throw refuse("was built for plugin contract " + std::to_string(major) + ", this host speaks contract " +
                     host_version + " (rebuild the plugin against this host's plugin_api)");
    }
    const std::uint32_t minor = *stamp.contract_minor;
    if (minor > plugin_api::kContractMinor) {
        throw refuse("was built for plugin contract " + version_text(major, minor) + ", this host speaks contract " +
                     host_version + " (upgrade the host, or build the plugin against contract " + host_version + ")");
    }
    if (*stamp.abi_tag != plugin_api::kAbiTag) {
        throw refuse("was built against the C++ library ABI " + *stamp.abi_tag + ", this host uses " +
                     plugin_api::kAbiTag);
    }

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
    if (mapped) mapped();

    if (!library.has("plugin_api_create")) throw not_a_plugin("plugin_api_create");  // as the file said it does
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
    CollectingRegistrar registrar(config, plugin->logger(), repository);  // destroyed before `plugin`
    try {
        plugin->instance().register_endpoints(registrar);
    } catch (const std::exception& error) {
        throw refuse(std::string("failed to register its endpoints: ") + error.what());
    } catch (...) {
        throw refuse("failed to register its endpoints");
    }
    if (const std::vector<std::string> problems = registrar.read_settings().problems(); !problems.empty()) {
        std::string all;
        for (const std::string& problem : problems) all += (all.empty() ? "" : "; ") + problem;
        throw refuse(all);
    }

    PluginLoad load{plugin, {}};
    for (Registered& route : registrar.collected()) {
        std::optional<RouteTemplate> path;
        try {
            path = RouteTemplate::parse(route.path_template);
        } catch (const InvalidTemplate& invalid) {
            throw refuse(invalid.what());
        }
        if (const std::string problem = check_route(route, *path); !problem.empty()) throw refuse(problem);
        load.endpoints.push_back(std::make_shared<const Endpoint>(
            Endpoint{plugin, config.name, std::move(route.method), std::move(*path), std::move(route.handler)}));
    }
    if (load.endpoints.empty()) throw refuse("registered no route");
    try {
        [[maybe_unused]] const RouteTable own_routes(load.endpoints);  // two of its routes that are the same
    } catch (const RouteConflict& conflict) {
        throw refuse(conflict.what());
    }
    return load;
}

}  // namespace plugin_host
