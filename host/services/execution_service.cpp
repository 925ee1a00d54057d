#include "services/execution_service.hpp"

#include "contract/plugin_deferred.hpp"
#include "contract/plugin_request.hpp"
#include "contract/plugin_response.hpp"
#include "http/pending_response.hpp"
#include "http/percent_encoding.hpp"
#include "logging/log_line.hpp"
#include "plugins/loaded_plugin.hpp"

#include <Poco/Exception.h>

namespace plugin_host {
namespace {

HttpResponse query_does_not_decode() {
    return error_response(400, "the query does not decode: a '%' is not followed by two hexadecimal digits");
}

/// Called from a catch block: names the exception in flight, which it rethrows to look at.
/// A Deferred the handler made before it threw is disowned: this 500 is the answer.
HttpResponse endpoint_threw(Poco::Logger& logger, const std::string& plugin, const PluginResponse& answer) {
    if (answer.deferred()) answer.deferred()->disown();
    try {
        throw;
    } catch (const Poco::Exception& error) {  // what() would give its name only
        return endpoint_failed(logger, plugin, ": " + one_line(error.displayText()));
    } catch (const std::exception& error) {
        return endpoint_failed(logger, plugin, ": " + one_line(error.what()));
    } catch (...) {
        return endpoint_failed(logger, plugin, " with a non-standard exception");
    }
}

HttpResponse endpoint_answered_badly(Poco::Logger& logger, const std::string& plugin, const PluginResponse& answer,
                                     int status) {
    if (!answer.problem().empty()) return endpoint_failed(logger, plugin, ": " + answer.problem());
    return endpoint_failed(logger, plugin, ": it answered the status " + std::to_string(status) + ", not one from 200 to 599");
}

void log_progress(Poco::Logger& logger, const char* what, const std::string& plugin) {
    std::string line(what);
    line += plugin;
    log_line(logger, Poco::Message::PRIO_INFORMATION, std::move(line));
}

/// The handler deferred: the answer the connection waits for, and the Deferred handed up
/// (or released here).
HttpResponse answer_later(const PluginResponse& answer, std::shared_ptr<PluginDeferred>* deferred) {
    HttpResponse later;
    later.pending = answer.deferred()->pending();
    if (deferred) {
        *deferred = answer.deferred();
    } else {
        answer.deferred()->release();
    }
    return later;
}

}  // namespace

HttpResponse endpoint_failed(Poco::Logger& logger, const std::string& plugin, const std::string& reason) {
    logger.error("Endpoint " + plugin + " failed" + reason);
    return error_response(500, "endpoint " + plugin + " failed");
}

HttpResponse checked_answer(Poco::Logger& logger, const std::string& plugin, const PluginResponse& answer,
                            HttpResponse response) {
    if (!answer.problem().empty() || response.status < 200 || response.status > 599) {
        return endpoint_answered_badly(logger, plugin, answer, response.status);
    }
    if (logger.information()) log_progress(logger, "Finished ", plugin);
    return response;
}

ExecutionService::ExecutionService(Poco::Logger& logger) : logger_(logger) {}

HttpResponse ExecutionService::execute(const RouteTable::Match& match, const HttpRequest& request,
                                       std::shared_ptr<PluginDeferred>* deferred) const {
    const Endpoint& endpoint = *match.endpoint;
    const std::optional<PluginRequest::Decoded> query = decode_query(request.query);
    if (!query) return query_does_not_decode();

    const PluginRequest view(request, match.parameters, *query);
    HttpResponse response;
    const DeferralSource source{logger_, match.endpoint};
    PluginResponse answer(response, &source);
    if (logger_.information()) log_progress(logger_, "Starting ", endpoint.plugin_name);
    if (endpoint.plugin) endpoint.plugin->wait_until_open();
    try {
        endpoint.handler(view, answer);
    } catch (...) {
        return endpoint_threw(logger_, endpoint.plugin_name, answer);
    }
    if (answer.deferred()) [[unlikely]] return answer_later(answer, deferred);
    if (!answer.problem().empty() || response.status < 200 || response.status > 599) {
        return endpoint_answered_badly(logger_, endpoint.plugin_name, answer, response.status);
    }
    if (logger_.information()) log_progress(logger_, "Finished ", endpoint.plugin_name);
    return response;
}

}  // namespace plugin_host
