#pragma once

#include "http/http_exchange.hpp"
#include "routing/endpoint.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <Poco/Logger.h>

#include <memory>
#include <string>

namespace plugin_host {

class PluginDeferred;

/// What a handler may defer with (contract 2.2): the execution service's logger and the
/// route's endpoint, which the Deferred keeps (and with it the plugin's code).
struct DeferralSource {
    Poco::Logger& logger;
    const std::shared_ptr<const Endpoint>& endpoint;
};

/// What a plugin's handler answers into: writes the host's HttpResponse. A header the host
/// writes itself (Content-Length, Content-Type, Connection, Date, Transfer-Encoding and the
/// other hop-by-hop ones), a name that is not a token, or a value with a control character
/// (CR, LF, NUL, ...) is not taken: problem() then says what the handler did, and the
/// execution service answers 500. Built by the execution service for one handler call.
///
/// Built with a DeferralSource (a route's handler), it may defer(): the HttpResponse written
/// so far moves into a PluginDeferred, and every later write goes there (deferred()).
/// Without one (a filter's hook), defer() throws std::logic_error.
class PluginResponse final : public plugin_api::Response {
public:
    explicit PluginResponse(HttpResponse& response, const DeferralSource* source = nullptr);
    ~PluginResponse();

    void set_status(int status) override {
        if (forward_) [[unlikely]] return forward_->set_status(status);
        response_.status = status;
    }
    void set_header(std::string_view name, std::string_view value) override;
    void add_header(std::string_view name, std::string_view value) override;
    void set_content_type(std::string_view content_type) override;
    void set_body(std::string body) override;
    int status() const override { return forward_ ? forward_->status() : response_.status; }
    std::shared_ptr<plugin_api::Deferred> defer() override;

    /// The first thing the handler tried that the host does not take; empty if none.
    const std::string& problem() const { return problem_; }
    /// For a PluginDeferred's own writer: what the handler did wrong before it deferred.
    void inherit_problem(std::string problem) { problem_ = std::move(problem); }

    /// Set once the handler deferred: its answer comes through this.
    const std::shared_ptr<PluginDeferred>& deferred() const { return deferred_; }

private:
    bool acceptable(std::string_view name, std::string_view value);

    HttpResponse& response_;
    std::string problem_;
    const DeferralSource* source_;
    plugin_api::Response* forward_ = nullptr;  ///< deferred_'s response, once deferred
    std::shared_ptr<PluginDeferred> deferred_;
};

}  // namespace plugin_host
