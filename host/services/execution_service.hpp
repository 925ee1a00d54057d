#pragma once

#include <plugin_api/endpoint_plugin.hpp>

#include <Poco/Logger.h>

#include <string_view>

namespace plugin_host {

/// The seed's execution service: takes the serialized JSON body and the endpoint's callback,
/// parses and validates the body, logs "Starting <action>", calls the callback, logs
/// "Finished <action>", and turns every failure into an error reply.
/// Called concurrently from request threads; holds no mutable state.
///
/// Stack budget: Poco serves each keep-alive connection on a thread of its own, so at the
/// seed's 1,500 connections every page a request touches on its thread's stack is paid
/// 1,500 times (4 KiB each, about 6 MB). glibc puts its thread control block and static
/// TLS, about 4.4 KiB, at the top of each stack; the deepest point of a request, parsing
/// the body below handleRequest(), dispatch() and execute(), then stays just inside the
/// second page. That is why these frames keep their error paths in separate, never
/// inlined functions (`-fstack-usage` shows each frame's size).
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
