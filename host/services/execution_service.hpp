#pragma once

#include <plugin_api/endpoint_plugin.hpp>

#include <Poco/Logger.h>

#include <string_view>

namespace plugin_host {

/// The seed's execution service: takes the serialized JSON body and the endpoint's callback,
/// parses and validates the body, logs "Starting <action>", calls the callback, logs
/// "Finished <action>", and turns every failure into an error reply.
/// Called concurrently from request threads; holds no mutable state.
class ExecutionService {
public:
    /// Deepest JSON nesting accepted; deeper bodies are answered 400 before they can
    /// exhaust the request thread's stack.
    static constexpr int kMaxJsonDepth = 32;

    explicit ExecutionService(Poco::Logger& logger);

    /// Never throws. Replies 400 for a body that is not JSON (or not UTF-8), 422 when
    /// info.sequence is not a string, 500 when the callback throws or answers an invalid
    /// status; otherwise whatever the callback answers.
    plugin_api::Reply execute(std::string_view action, std::string_view body,
                              const plugin_api::EndpointCallback& callback) const;

private:
    Poco::Logger& logger_;
};

}  // namespace plugin_host
