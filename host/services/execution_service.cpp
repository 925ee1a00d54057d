#include "services/execution_service.hpp"

#include "http/json_text.hpp"
#include "logging/log_line.hpp"
#include "services/sequence_finder.hpp"

#include <Poco/Exception.h>

#include <optional>

namespace plugin_host {
namespace {

plugin_api::Reply error_reply(int status, std::string_view message) {
    return {status, json_error(message)};
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
        return error_reply(400, "request body is not valid JSON: " + error.message());
    }
    if (!sequence) return error_reply(422, "missing string field info.sequence");

    if (logger_.information()) log_line(logger_, Poco::Message::PRIO_INFORMATION, "Starting " + std::string(action));
    plugin_api::Reply reply;
    try {
        reply = callback(plugin_api::Payload{*sequence, body});
    } catch (const std::exception& error) {
        logger_.error("Endpoint " + std::string(action) + " failed: " + json_escape(error.what()));
        return error_reply(500, "endpoint " + std::string(action) + " failed");
    } catch (...) {
        logger_.error("Endpoint " + std::string(action) + " failed with a non-standard exception");
        return error_reply(500, "endpoint " + std::string(action) + " failed");
    }
    if (reply.status < 100 || reply.status > 599) {
        logger_.error("Endpoint " + std::string(action) + " answered the invalid status " +
                      std::to_string(reply.status));
        return error_reply(500, "endpoint " + std::string(action) + " failed");
    }
    if (logger_.information()) log_line(logger_, Poco::Message::PRIO_INFORMATION, "Finished " + std::string(action));
    return reply;
}

}  // namespace plugin_host
