#pragma once

#include "http/http_exchange.hpp"
#include "routing/router.hpp"

#include <Poco/Logger.h>

#include <memory>
#include <string>

namespace plugin_host {

class PluginDeferred;
class PluginResponse;

/// The seed's execution service, generic: runs a plugin's handler for a routed request.
/// Logs "Starting <plugin>", hands the handler the request (method, path and query
/// parameters, headers, body) and a response to fill, logs "Finished <plugin>", and is the
/// barrier between a plugin's failures and the client: an exception escaping the handler,
/// a status outside 200-599, or a header the host does not take becomes a 500
/// `{"error":"endpoint <plugin> failed"}`, and the detail goes to the log only.
/// Called concurrently from worker threads; holds no mutable state.
class ExecutionService {
public:
    explicit ExecutionService(Poco::Logger& logger);

    /// Never throws. A query that does not decode is a 400 before the handler runs.
    ///
    /// A handler that defers (contract 2.2, Response::defer()) gives a response whose
    /// `pending` is set, and "Finished <plugin>" and the checks come when the plugin completes
    /// it (PluginDeferred). With `deferred`, the PluginDeferred goes there, and the caller
    /// adds what follows the handler (PluginDeferred::then()) and release()s it; without,
    /// it is released here.
    HttpResponse execute(const RouteTable::Match& match, const HttpRequest& request,
                         std::shared_ptr<PluginDeferred>* deferred = nullptr) const;

private:
    Poco::Logger& logger_;
};

/// The 500 `{"error":"endpoint <plugin> failed"}`, logged as "Endpoint <plugin> failed<reason>".
HttpResponse endpoint_failed(Poco::Logger& logger, const std::string& plugin, const std::string& reason);

/// What the execution service makes of a handler's finished answer `response`, written
/// through `answer`: a 500 (endpoint_failed()) for a status outside 200-599 or a header the
/// host does not take; else `response`, logged "Finished <plugin>". For answers that come
/// later (PluginDeferred); execute() does the same inline.
HttpResponse checked_answer(Poco::Logger& logger, const std::string& plugin, const PluginResponse& answer,
                            HttpResponse response);

}  // namespace plugin_host
