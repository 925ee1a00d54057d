// The plugin contract: everything an endpoint plugin and the host share.
//
// A plugin is a shared object that includes this header, implements EndpointPlugin and
// exports it with PLUGIN_API_EXPORT(MyPlugin). The host loads it, checks the exported
// contract version and ABI tag, creates one EndpointPlugin and calls register_endpoints()
// once. Each registered callback is then called by the host for matching requests.
//
// Ownership rule: the host keeps a plugin's shared object loaded for as long as any object
// that came out of it exists — the EndpointPlugin instance, every registered callback, and
// any request still running inside a callback. A plugin must not hand out anything else
// that outlives those (no detached threads, no objects stored in host-owned structures).
//
// This header includes nothing from the host; only the C++ standard library and
// Boost.DLL's alias macros. Build plugins with -DBOOST_DLL_USE_STD_FS, -fvisibility=hidden
// and -fno-gnu-unique so they can be unloaded again.
#pragma once

#include <boost/dll/alias.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace plugin_api {

/// Bumped whenever a change to this header breaks binary compatibility. The host refuses a
/// plugin whose exported version differs from its own.
inline constexpr std::uint32_t kContractVersion = 1;

/// The C++ standard library ABI the plugin was compiled against. Strings and std::function
/// cross the boundary, so host and plugin must agree on it.
#if defined(_LIBCPP_VERSION)
inline constexpr char kAbiTag[] = "libc++";
#elif defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
inline constexpr char kAbiTag[] = "libstdc++/cxx11";
#else
inline constexpr char kAbiTag[] = "libstdc++/old";
#endif

/// A request body after the host has parsed and validated it.
/// Valid only for the duration of the callback it is passed to.
struct Payload {
    std::string_view sequence;  ///< the string at info.sequence
    std::string_view body;      ///< the whole JSON body as received
};

/// What an endpoint answers: an HTTP status and a JSON body.
struct Reply {
    int status = 200;
    std::string body;
};

/// The host's shared repository service. One instance serves every plugin; it outlives them.
class Repository {
public:
    /// Called by endpoint callbacks, on request threads, concurrently. Logs the call, waits
    /// the configured delay, and returns the reply the endpoint should send.
    virtual Reply call(std::span<const std::string> names, const Payload& payload) = 0;

protected:
    ~Repository() = default;
};

/// Called on a request thread for every request routed to the endpoint; many calls may
/// run at once. An exception escaping it becomes a 500 response.
using EndpointCallback = std::function<Reply(const Payload&)>;

/// Handed to EndpointPlugin::register_endpoints(); valid only during that call.
class Registrar {
public:
    /// Routes POST requests for `path` (starting with '/') to `callback`. The host refuses
    /// the whole plugin if the path is taken by another plugin or reserved by the host.
    virtual void add_post_endpoint(std::string path, EndpointCallback callback) = 0;

    /// The shared repository; the reference stays valid for the plugin's whole life.
    virtual Repository& repository() = 0;

    /// The plugin's own settings: the keys of its [plugin.<name>] section in server.ini.
    virtual std::string setting(std::string_view key, std::string_view fallback) const = 0;

    /// The name of the plugin's section in server.ini.
    virtual std::string_view plugin_name() const = 0;

protected:
    ~Registrar() = default;
};

/// Implemented by the plugin. Created by the host through the exported factory, on the
/// host's loading thread; destroyed by the host before the shared object is unloaded.
class EndpointPlugin {
public:
    virtual ~EndpointPlugin() = default;

    /// Called once, on the host's loading thread, before any request reaches the plugin.
    /// Throwing refuses the plugin.
    virtual void register_endpoints(Registrar& registrar) = 0;
};

/// The factory every plugin exports under the alias "plugin_api_create".
using CreatePlugin = std::unique_ptr<EndpointPlugin>();

}  // namespace plugin_api

/// Exports `PluginClass` (default-constructible, derived from plugin_api::EndpointPlugin)
/// together with the contract version and ABI tag it was built against. Use once per plugin,
/// at namespace scope.
#define PLUGIN_API_EXPORT(PluginClass)                                                  \
    namespace plugin_api_export {                                                       \
    std::unique_ptr<::plugin_api::EndpointPlugin> create() {                            \
        return std::make_unique<PluginClass>();                                         \
    }                                                                                   \
    const std::uint32_t contract_version = ::plugin_api::kContractVersion;             \
    const char* const abi_tag = ::plugin_api::kAbiTag;                                  \
    }                                                                                   \
    BOOST_DLL_ALIAS(plugin_api_export::create, plugin_api_create)                       \
    BOOST_DLL_ALIAS(plugin_api_export::contract_version, plugin_api_contract_version)   \
    BOOST_DLL_ALIAS(plugin_api_export::abi_tag, plugin_api_abi_tag)
