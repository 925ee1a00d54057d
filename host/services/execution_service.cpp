#include "services/execution_service.hpp"

#include "http/json_text.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <optional>

namespace plugin_host {
namespace {

/// info.sequence of `document`, or nothing if the document lacks it or it is not a string.
std::optional<std::string> find_sequence(const Poco::Dynamic::Var& document) {
    if (document.type() != typeid(Poco::JSON::Object::Ptr)) return std::nullopt;
    const auto root = document.extract<Poco::JSON::Object::Ptr>();
    const Poco::JSON::Object::Ptr info = root->getObject("info");
    if (!info) return std::nullopt;
    const Poco::Dynamic::Var sequence = info->get("sequence");
    if (!sequence.isString()) return std::nullopt;
    return sequence.extract<std::string>();
}

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
        Poco::JSON::Parser parser;
        parser.setDepth(kMaxJsonDepth);
        sequence = find_sequence(parser.parse(std::string(body)));
    } catch (const Poco::Exception& error) {
        return error_reply(400, "request body is not valid JSON: " + error.message());
    }
    if (!sequence) return error_reply(422, "missing string field info.sequence");

    if (logger_.information()) logger_.information("Starting " + std::string(action));
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
    if (logger_.information()) logger_.information("Finished " + std::string(action));
    return reply;
}

}  // namespace plugin_host
