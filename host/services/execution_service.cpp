#include "services/execution_service.hpp"

#include "http/json_text.hpp"
#include "logging/log_line.hpp"
#include "services/sequence_finder.hpp"

#include <Poco/Exception.h>

#include <optional>

namespace plugin_host {
namespace {

// The error paths live in functions of their own, never inlined, so that their temporaries
// do not enlarge the frame of execute(): a request thread's whole stack then stays within
// two pages (see ExecutionService in the header).

[[gnu::noinline, gnu::cold]] plugin_api::Reply error_reply(int status, std::string_view message) {
    return {status, json_error(message)};
}

[[gnu::noinline, gnu::cold]] plugin_api::Reply invalid_json_reply(const Poco::Exception& error) {
    return error_reply(400, "request body is not valid JSON: " + error.message());
}

[[gnu::noinline, gnu::cold]] plugin_api::Reply endpoint_failed(Poco::Logger& logger, std::string_view action,
                                                                const std::string& reason) {
    logger.error("Endpoint " + std::string(action) + " failed" + reason);
    return error_reply(500, "endpoint " + std::string(action) + " failed");
}

[[gnu::noinline]] void log_progress(Poco::Logger& logger, const char* what, std::string_view action) {
    std::string line(what);
    line += action;
    log_line(logger, Poco::Message::PRIO_INFORMATION, std::move(line));
}

}  // namespace

ExecutionService::ExecutionService(Poco::Logger& logger) : logger_(logger) {}

plugin_api::Reply ExecutionService::execute(std::string_view action, std::string_view body,
                                            const plugin_api::EndpointCallback& callback) const {
    if (!is_valid_utf8(body)) return error_reply(400, "request body is not valid UTF-8");

    std::optional<std::string> sequence;
    try {
        sequence = find_sequence(body, kMaxJsonDepth);
    } catch (const Poco::Exception& error) {
        return invalid_json_reply(error);
    }
    if (!sequence) return error_reply(422, "missing string field info.sequence");

    if (logger_.information()) log_progress(logger_, "Starting ", action);
    plugin_api::Reply reply;
    try {
        reply = callback(plugin_api::Payload{*sequence, body});
    } catch (const std::exception& error) {
        return endpoint_failed(logger_, action, ": " + json_escape(error.what()));
    } catch (...) {
        return endpoint_failed(logger_, action, " with a non-standard exception");
    }
    if (reply.status < 100 || reply.status > 599) {
        return endpoint_failed(logger_, action, " (it answered the invalid status " + std::to_string(reply.status) + ")");
    }
    if (logger_.information()) log_progress(logger_, "Finished ", action);
    return reply;
}

}  // namespace plugin_host
