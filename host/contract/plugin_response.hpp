#pragma once

#include "http/http_exchange.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <string>

namespace plugin_host {

/// What a plugin's handler answers into: writes the host's HttpResponse. A header the host
/// writes itself (Content-Length, Content-Type, Connection, Date, Transfer-Encoding and the
/// other hop-by-hop ones), a name that is not a token, or a value with a control character
/// (CR, LF, NUL, ...) is not taken: problem() then says what the handler did, and the
/// execution service answers 500. Built by the execution service for one handler call.
class PluginResponse final : public plugin_api::Response {
public:
    explicit PluginResponse(HttpResponse& response);

    void set_status(int status) override;
    void set_header(std::string_view name, std::string_view value) override;
    void add_header(std::string_view name, std::string_view value) override;
    void set_content_type(std::string_view content_type) override;
    void set_body(std::string body) override;
    int status() const override { return response_.status; }

    /// The first thing the handler tried that the host does not take; empty if none.
    const std::string& problem() const { return problem_; }

private:
    bool acceptable(std::string_view name, std::string_view value);

    HttpResponse& response_;
    std::string problem_;
};

}  // namespace plugin_host
