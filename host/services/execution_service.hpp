#pragma once

#include "http/http_exchange.hpp"
#include "routing/router.hpp"

#include <Poco/Logger.h>

namespace plugin_host {

/// The seed's execution service, generic: runs a plugin's handler for a routed request.
/// Logs "Starting <plugin>", hands the handler the request (method, path and query
/// parameters, headers, body) and a response to fill, logs "Finished <plugin>", and is the
/// barrier between a plugin's failures and the client: an exception escaping the handler,
/// a status outside 200-599, or a header the host does not take becomes a 500
/// `{"error":"endpoint <plugin> failed"}`, and the detail goes to the log only.
/// Called concurrently from request threads; holds no mutable state.
///
/// Stack budget: each keep-alive connection has a thread of its own, so at the seed's
/// 1,500 connections every page a request touches on its thread's stack is paid 1,500 times
/// (4 KiB each, about 6 MB). glibc puts its thread control block and static TLS, about
/// 4.4 KiB, at the top of each stack; the deepest point of a request, a plugin's handler
/// below the connection loop, dispatch() and execute(), stays just inside the second page.
/// That is why these frames keep their error paths in separate, never inlined functions
/// (`-fstack-usage` shows each frame's size); bench/stack_budget.py measures the budget on
/// the running host, and CI fails when the seed's requests cross into a third page.
class ExecutionService {
public:
    explicit ExecutionService(Poco::Logger& logger);

    /// Never throws. A query that does not decode is a 400 before the handler runs.
    HttpResponse execute(const RouteTable::Match& match, const HttpRequest& request) const;

private:
    Poco::Logger& logger_;
};

}  // namespace plugin_host
