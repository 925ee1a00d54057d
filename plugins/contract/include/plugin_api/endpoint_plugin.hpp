// The plugin contract, version 2.3: everything an endpoint plugin and the host share.
//
// A plugin is a shared object that includes this header, implements EndpointPlugin and
// exports it with PLUGIN_API_EXPORT(MyPlugin). The host reads the exported contract version
// and C++ library ABI from the file, loads it only if they fit (so no code of a plugin it
// refuses ever runs, static constructors included), creates one EndpointPlugin and calls
// register_endpoints() once, on its loading thread. The plugin registers routes (a method
// and a path template) with handlers; the host then calls a route's handler, on request
// threads, for every request that matches it.
//
// Since 2.1 a plugin may also register filters (hooks around every request on the paths it
// names), a start and a stop (background work), state handed from one version to the next
// across a hot swap, metrics, and a route's own body limit: see Registrar.
//
// Since 2.2 a handler may answer later, from another thread (Response::defer(), Deferred),
// and ask the repository for its work without holding a thread (Repository::call_later());
// a plugin whose handlers never wait may say so (Registrar::never_blocks()) and have them
// run on the loop thread that read the request.
//
// Since 2.3 such a handler may also have the repository's answer come back to its own loop
// thread (Repository::call_later_here()) rather than through the host's timer thread.
//
// Ownership: the host keeps a plugin's shared object loaded for as long as anything that
// came out of it exists: the EndpointPlugin instance, every registered handler and hook, and
// every request still running inside one, and (2.2) every Deferred the plugin holds. A
// plugin must not hand out anything else that outlives those (no detached threads: a thread
// started by the start hook is joined by the stop hook; no objects stored in host-owned
// structures). The objects the host hands to a
// plugin (Request, Response, Registrar, Settings) are valid only during the call they are
// passed to; Logger, Repository, Counter and Histogram for the plugin's whole life; a
// Deferred for as long as the plugin holds it.
//
// This header includes nothing from the host; only the C++ standard library and
// Boost.DLL's alias macros. Build plugins with -DBOOST_DLL_USE_STD_FS, -fvisibility=hidden
// and -fno-gnu-unique so that they can be unloaded again: the CMake package's
// plugin_host_add_plugin() does.
//
// How this contract evolves (kContractMajor.kContractMinor):
// - Nothing declared here is ever removed, renamed, reordered or changed in type or meaning
//   within a major version.
// - A minor version may append virtual functions at the end of the classes the host
//   implements (Request, Response, Logger, Settings, Repository, Registrar, Deferred), and
//   add new types, functions and constants. A plugin built against 2.N calls only what 2.N declares,
//   so every host of major 2 and minor N or later can load it; an older host refuses it,
//   naming both versions.
// - The classes a plugin implements (EndpointPlugin) and the types passed by value between
//   the two (Handler, the exported symbols) never change within a major version: the host
//   cannot know what an older plugin's object lacks.
// - Anything else is a new major version; the host then refuses plugins of the old one.
// tests/contract/ keeps a frozen copy of each released header, and a plugin built against
// it must keep loading into the current host.
#pragma once

#include <boost/dll/alias.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plugin_api {

/// The contract version a plugin is built against, exported by PLUGIN_API_EXPORT.
inline constexpr std::uint32_t kContractMajor = 2;
inline constexpr std::uint32_t kContractMinor = 3;

/// The C++ standard library ABI the plugin was compiled against. Strings, vectors and
/// std::function cross the boundary, so host and plugin must agree on it.
#if defined(_LIBCPP_VERSION)
inline constexpr char kAbiTag[] = "libc++";
#elif defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
inline constexpr char kAbiTag[] = "libstdc++/cxx11";
#else
inline constexpr char kAbiTag[] = "libstdc++/old";
#endif

class Deferred;  // 2.2, below

/// A name and a value: a header field, or a query parameter.
using Field = std::pair<std::string_view, std::string_view>;

/// The request a handler answers. Implemented by the host; valid only during the handler's
/// call (copy what must outlive it).
class Request {
public:
    /// The method as sent: GET, POST, ... (a HEAD request reaches a GET route as "HEAD").
    virtual std::string_view method() const = 0;

    /// The request target's path as sent, still percent-encoded, without the query.
    virtual std::string_view path() const = 0;

    /// The value of a path template's parameter: for /items/{id} and /items/a%20b, "a b".
    /// Percent-decoded; a %2F stays inside its segment. A catch-all ({rest...}) holds the
    /// rest of the path, slashes included, each segment decoded. Nothing if the template has
    /// no such parameter.
    virtual std::optional<std::string_view> path_parameter(std::string_view name) const = 0;

    /// The first value of the query parameter `name` (?name=value), decoded ('+' is a
    /// space); an empty value for ?name alone; nothing if the query does not have it.
    virtual std::optional<std::string_view> query_parameter(std::string_view name) const = 0;

    /// Every query parameter, decoded, in the order sent; repeated names are all there.
    virtual std::vector<Field> query_parameters() const = 0;

    /// The first value of the header field `name` (any case); nothing if there is none.
    virtual std::optional<std::string_view> header(std::string_view name) const = 0;

    /// Every header field, in the order sent, names as sent.
    virtual std::vector<Field> headers() const = 0;

    /// The Content-Type as sent, parameters included; empty if there is none.
    virtual std::string_view content_type() const = 0;

    /// The body, complete (at most [server] max_body_bytes, or the route's own limit);
    /// empty if there is none.
    virtual std::string_view body() const = 0;

    /// The client's address and port: "127.0.0.1:51234", "[::1]:51234".
    virtual std::string_view client_address() const = 0;

protected:
    ~Request() = default;
};

/// What a handler answers. Implemented by the host; starts as 200, Content-Type
/// application/json, no extra header, an empty body. Valid only during the handler's call.
/// The host writes Content-Length, Connection, Date and Transfer-Encoding itself: a handler
/// that sets one of them, another hop-by-hop header, or a value with CR, LF or NUL is
/// answered 500, and the log names the plugin and the header.
class Response {
public:
    /// An HTTP status from 200 to 599 (anything else becomes a 500). 204 and 304 are sent
    /// without a body, and so is every answer to HEAD.
    virtual void set_status(int status) = 0;

    /// Sets the header field `name` to `value`, replacing any value it had.
    virtual void set_header(std::string_view name, std::string_view value) = 0;

    /// Adds a header field, keeping those of the same name set before.
    virtual void add_header(std::string_view name, std::string_view value) = 0;

    /// The body's media type; "application/json" unless set.
    virtual void set_content_type(std::string_view content_type) = 0;

    /// The body.
    virtual void set_body(std::string body) = 0;

    // ---- 2.1 ----

    /// The status set so far: what a filter's after-hook sees of the answer.
    virtual int status() const = 0;

    // ---- 2.2 ----

    /// Answers later (see Deferred). Called inside a route's handler: once it has been
    /// called, the handler's return does not send the response; the returned Deferred
    /// completes it, from any thread, when the answer is ready. Everything written to the
    /// response before or after (through this Response until the handler returns, or through
    /// Deferred::response()) is the same answer. Calling it again gives the same Deferred.
    /// A filter's hook may not defer: it throws std::logic_error there (a 500 naming the
    /// filter's plugin).
    virtual std::shared_ptr<Deferred> defer() = 0;

protected:
    ~Response() = default;
};

/// An answer that comes after its handler has returned (2.2): what Response::defer() gives.
/// Implemented by the host; valid for as long as the plugin holds it (a shared_ptr, any
/// thread).
///
/// - The host keeps the plugin loaded (its shared object mapped) while a Deferred of it is
///   alive or its answer pending: a drain or a hot swap waits for it as for a request in
///   flight.
/// - The answer goes through the same checks as a handler's that returns (a status outside
///   200-599 or a header the host does not take is a 500 `{"error":"endpoint <name>
///   failed"}`, the detail in the log), then the filters' after-hooks, on the thread that
///   calls complete(); the log says "Finished <plugin>" then.
/// - One not completed within the host's [server] deferred_timeout_ms is answered 500 by
///   the host, and the log names the plugin; a complete() after that does nothing.
/// - One dropped (its last shared_ptr released) without complete() is answered 500 at once,
///   and the log names the plugin.
class Deferred {
public:
    /// The response the handler started, writable from any thread until complete() (one
    /// writer at a time: the host orders each call, not a sequence of them). Writes after
    /// complete() are ignored.
    virtual Response& response() = 0;

    /// Sends the answer. Any thread; the first call counts, later ones do nothing.
    virtual void complete() = 0;

protected:
    ~Deferred() = default;
};

/// Called on a request thread for every request routed to its route; many calls may run at
/// once, so it must be thread-safe. An exception escaping it becomes a 500 (the detail goes
/// to the log only).
using Handler = std::function<void(const Request&, Response&)>;

/// Writes to the host's log as the Poco logger "plugin.<name>", so a plugin's lines follow
/// the [logging.*] configuration and reach the same channel as the host's. Implemented by
/// the host; valid for the plugin's whole life; any thread.
class Logger {
public:
    enum class Level { debug, information, warning, error };

    /// Whether a line of `level` would be written (to skip building one that would not).
    virtual bool enabled(Level level) const = 0;

    virtual void log(Level level, std::string_view text) = 0;

    void debug(std::string_view text) { log(Level::debug, text); }
    void information(std::string_view text) { log(Level::information, text); }
    void warning(std::string_view text) { log(Level::warning, text); }
    void error(std::string_view text) { log(Level::error, text); }

protected:
    ~Logger() = default;
};

/// The plugin's own settings: the keys of its [plugin.<name>] section in server.ini, typed.
/// Implemented by the host; valid only during register_endpoints().
///
/// Each getter returns the value, or `fallback` when the section does not set the key. A
/// value that is not of the getter's type refuses the plugin once register_endpoints()
/// returns, with a message naming the file, line and key; so does a key the plugin never
/// asked for (a misspelt one, say), except `library` and `optional`, which are the host's.
class Settings {
public:
    virtual std::string text(std::string_view key, std::string_view fallback) = 0;

    /// A whole number from `min` to `max`.
    virtual std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                                 std::int64_t max) = 0;

    /// true/false, yes/no, on/off or 1/0.
    virtual bool boolean(std::string_view key, bool fallback) = 0;

    /// A whole number of milliseconds, or with a unit: 250ms, 30s, 5min, 2h.
    virtual std::chrono::milliseconds duration(std::string_view key, std::chrono::milliseconds fallback) = 0;

    /// A comma-separated list; items trimmed, none empty.
    virtual std::vector<std::string> list(std::string_view key, std::vector<std::string> fallback) = 0;

protected:
    ~Settings() = default;
};

/// The host's shared repository service: one instance serves every plugin and outlives
/// them all.
class Repository {
public:
    /// Called by handlers, on request threads, concurrently. Logs "Executing <names> with
    /// data: <data>", waits [repository] delay_ms, logs "Executed <names>", and returns
    /// "<names> Executed" (the names comma-separated); the handler builds its answer from it.
    virtual std::string call(std::span<const std::string> names, std::string_view data) = 0;

    // ---- 2.2 ----

    /// The same work as call() without holding the caller's thread: logs "Executing <names>
    /// with data: <data>" now, and after [repository] delay_ms logs "Executed <names>" and
    /// calls `done` with "<names> Executed". `done` runs on the host's timer thread, which
    /// serves every plugin: it must not block (no waiting, no I/O, no repository call());
    /// complete a Deferred there. An exception escaping it is logged and ignored. `done`
    /// keeps nothing loaded by itself: let it hold the Deferred it completes, which keeps the
    /// plugin's code mapped until `done` is gone. At shutdown a `done` not yet due is
    /// destroyed without running (its Deferred then answers 500).
    virtual void call_later(std::span<const std::string> names, std::string data,
                            std::function<void(std::string)> done) = 0;

    // ---- 2.3 ----

    /// call_later(), with `done` run on the thread that calls this one when that thread is
    /// one of the host's loop threads (in a handler or filter hook of a plugin that said
    /// Registrar::never_blocks()): the answer is then completed and written by the thread
    /// that read the request, with no hand-over to the timer thread and back. Called from
    /// any other thread, `done` runs on the timer thread, as call_later()'s does. Either way
    /// `done` never runs inside this call, must not block (on a loop thread it holds up
    /// every connection of that thread), has its exceptions logged and ignored, and is
    /// destroyed without running at shutdown. Unlike call_later()'s, two such `done`s may
    /// run at the same time, on different loop threads.
    virtual void call_later_here(std::span<const std::string> names, std::string data,
                                 std::function<void(std::string)> done) = 0;

protected:
    ~Repository() = default;
};

/// What a filter's before-hook decided (2.1).
enum class FilterResult {
    proceed,   ///< on to the next filter and the handler
    answered,  ///< the response is the answer: no later filter and no handler runs
};

/// A filter's hook before the handler (2.1). The response starts as it does for a handler;
/// answer by filling it in and returning FilterResult::answered (401, 403, 429, a CORS
/// preflight). Called on request threads, concurrently.
using BeforeHook = std::function<FilterResult(const Request&, Response&)>;

/// A filter's hook after the answer is made (2.1): may add or set headers; may change the
/// status or body too. Called on request threads, concurrently.
using AfterHook = std::function<void(const Request&, Response&)>;

/// A monotonically increasing count, exposed by /metrics (2.1). Implemented by the host;
/// any thread.
class Counter {
public:
    /// Adds `amount` (0 or more; a negative amount is ignored).
    virtual void add(double amount) = 0;
    void increment() { add(1); }

protected:
    ~Counter() = default;
};

/// A distribution of observed values in buckets, exposed by /metrics (2.1). Implemented by
/// the host; any thread.
class Histogram {
public:
    virtual void observe(double value) = 0;

protected:
    ~Histogram() = default;
};

/// Handed to EndpointPlugin::register_endpoints(); valid only during that call.
class Registrar {
public:
    /// Routes requests for `method` and `path_template` to `handler`.
    ///
    /// Methods: GET, POST, PUT, PATCH, DELETE and OPTIONS (HEAD is answered from the GET
    /// route, without the body; OPTIONS, unless registered, by the host with Allow).
    /// Templates: a path of literal segments and parameters: /items, /items/{id},
    /// /items/{id}/tags/{tag}, and a catch-all last: /files/{path...}. A parameter is a
    /// whole segment, named by a letter or '_' then letters, digits or '_'; a name once per
    /// template. A literal segment wins over a parameter, a parameter over a catch-all.
    ///
    /// The host refuses the whole plugin, naming the template, if it is not valid; and,
    /// naming both, if another route of any plugin has the same method and an equivalent
    /// template (one that differs only in parameter names), or if it claims one of the
    /// host's own paths (/healthz, /metrics, /admin/...).
    virtual void add_route(std::string_view method, std::string_view path_template, Handler handler) = 0;

    /// The plugin's typed settings.
    virtual Settings& settings() = 0;

    /// The plugin's logger; the reference stays valid for the plugin's whole life.
    virtual Logger& logger() = 0;

    /// The shared repository; the reference stays valid for the plugin's whole life.
    virtual Repository& repository() = 0;

    /// The name of the plugin's section in server.ini: [plugin.<name>].
    virtual std::string_view plugin_name() const = 0;

    // ---- 2.1: filters, a lifecycle, state across a swap, metrics, per-route limits ----
    // Appended here, in a class the host implements, so that 2.0 plugins keep loading: the
    // plugin's own class (EndpointPlugin) cannot gain anything within major 2.

    /// Runs `before` ahead of the handler for every request whose method is one of
    /// `methods` ("*" for all, or a comma-separated list such as "GET, POST"; HEAD counts as
    /// GET) and whose path matches `path_pattern` (a route template: /kv/{key}, or a prefix
    /// with a catch-all, /kv/{rest...}, which also matches /kv itself), routed or not; then
    /// `after` on the answer, whoever gave it: the handler, a filter, or the host (404, 405,
    /// 500). Either hook may be empty. A filter runs only if [filters] apply in server.ini
    /// names its plugin; the list's order is the order filters run in, and after-hooks run
    /// in the reverse order. The host's own paths (/healthz, /metrics, /admin/...) are never
    /// filtered. Hooks run on request threads, concurrently; an exception escaping one is a
    /// 500 whose log line names the plugin. The host refuses the plugin, naming the
    /// pattern, if it is not a valid template or a method is unknown.
    virtual void add_filter(std::string_view methods, std::string_view path_pattern, BeforeHook before,
                            AfterHook after) = 0;

    /// `start` runs once this version has registered (and received its predecessor's state,
    /// if any), before it takes its first request: start background work here. `stop` runs
    /// once after its last request, before the host unloads it: end that work and join its
    /// threads. Each runs on a host thread within [plugins] lifecycle_timeout_ms; a call that
    /// takes longer is reported in the log and /admin/plugins, and the plugin's code then
    /// stays mapped for good (never unloaded while it may run). A start that throws is logged
    /// and the version serves anyway; a stop that throws is logged.
    virtual void on_lifecycle(std::function<void()> start, std::function<void()> stop) = 0;

    /// Hands state across a hot swap. When a new version of this plugin replaces the
    /// running one and both registered keep_state(), the host waits for the old version's
    /// last request, calls its `save`, and passes the bytes to the new version's `restore`,
    /// before the new version's start and its first request (requests that reach it before
    /// then wait). The bytes are the plugin's own format: version them, so that a newer
    /// layout can read an older one, and throw from `restore` on bytes it cannot read (the
    /// new version then starts empty, and the log says why). Bounded like on_lifecycle().
    virtual void keep_state(std::function<std::string()> save, std::function<void(std::string_view)> restore) = 0;

    /// A counter named `name` ([a-zA-Z_:][a-zA-Z0-9_:]*, not starting with plugin_host_),
    /// exposed by /metrics with the label plugin="<name>". Asking twice for a name gives the
    /// same counter, and so does the next version of the plugin: a count continues across a
    /// hot swap. Valid for the plugin's whole life; any thread.
    virtual Counter& counter(std::string_view name, std::string_view help) = 0;

    /// A histogram with the upper bounds `bounds` (ascending; +Inf is added), like counter().
    /// A name asked for again with other bounds, or as another kind of metric, refuses the
    /// plugin.
    virtual Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds) = 0;

    /// The largest body (at least 1 byte) the route `method path_template` takes: one this
    /// plugin registers, its template written as registered. Instead of [server] max_body_bytes: larger for an upload route, smaller for a small
    /// JSON one. A larger body is answered 413 before it is read. Above [server]
    /// max_route_body_bytes the plugin is refused, naming that key.
    virtual void set_max_body_bytes(std::string_view method, std::string_view path_template, std::uint64_t bytes) = 0;

    // ---- 2.2 ----

    /// Says that none of this plugin's handlers and filter hooks ever waits: each returns at
    /// once, its answer written, or deferred to complete from another thread
    /// (Response::defer(), Repository::call_later()). The host then runs them on the thread
    /// that read the request, one of a few loop threads that each serve thousands of
    /// connections, rather than handing every request to a worker thread and back: two
    /// thread switches less a request. Without it (and for every 2.0 and 2.1 plugin) a
    /// handler runs on a worker, where it may block. A handler of a plugin that says this
    /// and then waits (Repository::call(), a lock another thread holds, a file, the
    /// network) holds up every connection on its loop thread while it waits. A request that
    /// a filter of another plugin covers runs on a worker unless that plugin says so too.
    virtual void never_blocks() = 0;

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
#define PLUGIN_API_EXPORT(PluginClass)                                                 \
    namespace plugin_api_export {                                                      \
    std::unique_ptr<::plugin_api::EndpointPlugin> create() {                           \
        return std::make_unique<PluginClass>();                                        \
    }                                                                                  \
    const std::uint32_t contract_version = ::plugin_api::kContractMajor;              \
    const std::uint32_t contract_minor = ::plugin_api::kContractMinor;                \
    const char* const abi_tag = ::plugin_api::kAbiTag;                                 \
    }                                                                                  \
    BOOST_DLL_ALIAS(plugin_api_export::create, plugin_api_create)                      \
    BOOST_DLL_ALIAS(plugin_api_export::contract_version, plugin_api_contract_version)  \
    BOOST_DLL_ALIAS(plugin_api_export::contract_minor, plugin_api_contract_minor)      \
    BOOST_DLL_ALIAS(plugin_api_export::abi_tag, plugin_api_abi_tag)
