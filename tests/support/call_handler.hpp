#pragma once

#include "contract/plugin_deferred.hpp"
#include "contract/plugin_request.hpp"
#include "contract/plugin_response.hpp"
#include "http/pending_response.hpp"
#include "routing/endpoint.hpp"

#include <Poco/Logger.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace test_support {

/// Calls `endpoint`'s handler directly, as the execution service would but without its
/// barrier: a request of the endpoint's method with `body` and `content_type`, and
/// `parameters` for its path template. Returns what the handler answered; for a handler that
/// answers later (contract 2.2, Response::defer()), what it completes, waited for (at most
/// 10 s; then an empty 0 response), with the execution service's checks applied. The
/// Deferred holds `shared`, and so the plugin's code, as the host's does, for as long as the
/// plugin's code that completes it may still run.
inline plugin_host::HttpResponse call_handler(const std::shared_ptr<const plugin_host::Endpoint>& shared,
                                              const std::string& body,
                                              const std::string& content_type = "application/json",
                                              std::vector<std::pair<std::string_view, std::string>> parameters = {}) {
    const plugin_host::Endpoint& endpoint = *shared;
    plugin_host::HttpRequest request;
    request.head.setMethod(endpoint.method);
    request.path = endpoint.path.text();
    if (!content_type.empty()) request.head.setContentType(content_type);
    request.body = body;
    const plugin_host::PluginRequest::Decoded query;
    const plugin_host::PluginRequest view(request, parameters, query);
    plugin_host::HttpResponse response;
    const plugin_host::DeferralSource source{Poco::Logger::get("test.call_handler"), shared};
    plugin_host::PluginResponse answer(response, &source);
    endpoint.handler(view, answer);
    if (!answer.deferred()) return response;
    const std::shared_ptr<plugin_host::PendingResponse> pending = answer.deferred()->pending();
    auto ready = std::make_shared<std::promise<void>>();
    pending->when_ready([ready] { ready->set_value(); });
    answer.deferred()->release();
    if (ready->get_future().wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        plugin_host::HttpResponse none;
        none.status = 0;
        return none;
    }
    return pending->take();
}

}  // namespace test_support
