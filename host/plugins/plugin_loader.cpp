#include "plugins/plugin_loader.hpp"

#include "plugins/plugin_registrar.hpp"
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

/// Why `route` may not be registered, or an empty string.
std::string check_route(const RegisteredRoute& route, const RouteTemplate& path) {
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

/// The methods of a filter's `methods` ("*": every one; empty: none registered), or why not.
std::string parse_filter_methods(std::string_view text, std::vector<std::string>& methods) {
    const auto trimmed = [](std::string_view item) {
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        return item;
    };
    if (trimmed(text) == "*") return {};
    for (;;) {
        const auto comma = text.find(',');
        const std::string_view method = trimmed(text.substr(0, comma));
        if (method != "HEAD" && std::find(kRouteMethods.begin(), kRouteMethods.end(), method) == kRouteMethods.end()) {
            return "a filter's methods are \"*\" or a list of GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS, not \"" +
                   std::string(method) + "\"";
        }
        methods.emplace_back(method);
        if (comma == std::string_view::npos) return {};
        text.remove_prefix(comma + 1);
    }
}

/// The filters `registrar` collected, checked, or why one is not valid.
std::string make_filters(PluginRegistrar& registrar, const std::shared_ptr<LoadedPlugin>& plugin,
                         std::vector<std::shared_ptr<const Filter>>& filters) {
    for (RegisteredFilter& registered : registrar.filters()) {
        Filter filter{plugin, plugin->name(), {}, RouteTemplate::parse(registered.pattern),
                      std::move(registered.before), std::move(registered.after), registrar.says_never_blocks()};
        if (const std::string problem = parse_filter_methods(registered.methods, filter.methods); !problem.empty()) {
            return problem;
        }
        if (!filter.before && !filter.after) return "registered " + filter.label() + " without a hook";
        filters.push_back(std::make_shared<const Filter>(std::move(filter)));
    }
    return {};
}

/// Applies the body limits `registrar` collected to `endpoints`, or says why one cannot be.
std::string apply_body_limits(const PluginRegistrar& registrar, const PluginServices& services,
                              std::vector<Endpoint>& endpoints) {
    for (const RegisteredBodyLimit& limit : registrar.body_limits()) {
        const auto route = std::find_if(endpoints.begin(), endpoints.end(), [&limit](const Endpoint& endpoint) {
            return endpoint.method == limit.method && endpoint.path.text() == limit.path_template;
        });
        const std::string label = limit.method + " " + limit.path_template;
        if (route == endpoints.end()) return "set a body limit for " + label + ", which it does not register";
        if (limit.bytes == 0) return "set a body limit of 0 bytes for " + label + " (the smallest is 1)";
        if (limit.bytes > services.max_route_body_bytes) {
            return "set a body limit of " + std::to_string(limit.bytes) + " bytes for " + label +
                   ", above [server] max_route_body_bytes (" + std::to_string(services.max_route_body_bytes) + ")";
        }
        route->max_body_bytes = static_cast<std::size_t>(limit.bytes);
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
                       std::uint64_t generation, const PluginServices& services,
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
    plugin->keep_meters(services.meters);
    PluginRegistrar registrar(config, plugin->logger(), services);  // destroyed before `plugin`
    try {
        plugin->instance().register_endpoints(registrar);
    } catch (const std::exception& error) {
        throw refuse(std::string("failed to register its endpoints: ") + error.what());
    } catch (...) {
        throw refuse("failed to register its endpoints");
    }
    if (const std::vector<std::string> problems = registrar.problems(); !problems.empty()) {
        std::string all;
        for (const std::string& problem : problems) all += (all.empty() ? "" : "; ") + problem;
        throw refuse(all);
    }

    PluginLoad load{plugin, {}, {}, registrar.take_meters()};
    std::vector<Endpoint> endpoints;
    for (RegisteredRoute& route : registrar.routes()) {
        std::optional<RouteTemplate> path;
        try {
            path = RouteTemplate::parse(route.path_template);
        } catch (const InvalidTemplate& invalid) {
            throw refuse(invalid.what());
        }
        if (const std::string problem = check_route(route, *path); !problem.empty()) throw refuse(problem);
        Endpoint endpoint{plugin, config.name, std::move(route.method), std::move(*path), std::move(route.handler)};
        endpoint.never_blocks = registrar.says_never_blocks();
        endpoints.push_back(std::move(endpoint));
    }
    if (const std::string problem = apply_body_limits(registrar, services, endpoints); !problem.empty()) {
        throw refuse(problem);
    }
    for (Endpoint& endpoint : endpoints) load.endpoints.push_back(std::make_shared<const Endpoint>(std::move(endpoint)));
    try {
        if (const std::string problem = make_filters(registrar, plugin, load.filters); !problem.empty()) {
            throw refuse(problem);
        }
    } catch (const InvalidTemplate& invalid) {
        throw refuse(std::string("filter ") + invalid.what());
    }
    if (load.endpoints.empty() && load.filters.empty()) throw refuse("registered no route and no filter");
    try {
        [[maybe_unused]] const RouteTable own_routes(load.endpoints);  // two of its routes that are the same
    } catch (const RouteConflict& conflict) {
        throw refuse(conflict.what());
    }
    plugin->set_hooks(registrar.take_hooks());
    return load;
}

}  // namespace plugin_host
