#pragma once

#include "http/http_exchange.hpp"
#include "routing/router.hpp"

#include <Poco/Logger.h>

#include <functional>
#include <vector>

namespace plugin_host {

class PluginRequest;

/// Runs the filters plugins registered (contract 2.1) around whatever answers a request,
/// like nested middleware: each filter's before-hook in the order [filters] apply gives,
/// until one answers; then the answer (the handler's, or the host's 404, 405 or 500) unless
/// a filter gave it; then the after-hooks of every filter entered, innermost first. A hook
/// that throws or answers what the host does not take (a status outside 200-599, a header
/// the host writes) turns the answer into a 500, and the log names its plugin; the filters
/// outside it still see that 500. Each filter waits at its plugin's gate (LoadedPlugin)
/// before its code runs. Called on request threads, concurrently; holds no mutable state.
class FilterChain {
public:
    explicit FilterChain(Poco::Logger& logger) : logger_(logger) {}

    /// Never throws; `answer` must not either. An answer that comes later (`pending` set,
    /// contract 2.2) is returned as it is, its after-hooks not run: `entered` then says how
    /// many of `filters`, from the first, were entered, for after() to run theirs at completion.
    HttpResponse run(const std::vector<const Filter*>& filters, const HttpRequest& request,
                     const std::function<HttpResponse()>& answer, std::size_t* entered = nullptr) const;

    /// The after-hooks of `entered` (the filters entered, in the order they run) on
    /// `response`, innermost first, as run() applies them: for an answer that came later, on
    /// the thread that completed it. Never throws.
    void after(const std::vector<const Filter*>& entered, const HttpRequest& request, HttpResponse& response) const;

private:
    /// The after-hooks of filters[0, count), innermost first.
    void run_after(const std::vector<const Filter*>& filters, std::size_t count, const PluginRequest& view,
                   HttpResponse& response) const;

    Poco::Logger& logger_;
};

/// The filters of `table` that apply to `request`, in the order they run; none for a path
/// that does not decode (the request is answered 400 then, unfiltered).
std::vector<const Filter*> filters_for(const RouteTable& table, const HttpRequest& request);

}  // namespace plugin_host
