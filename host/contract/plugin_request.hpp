#pragma once

#include "http/http_exchange.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <string>
#include <utility>
#include <vector>

namespace plugin_host {

/// The request a plugin's handler sees: a view of the host's HttpRequest, the route's path
/// parameters and the decoded query. Built by the execution service on the request's thread
/// for one handler call; everything it hands out points into the objects it was built from.
class PluginRequest final : public plugin_api::Request {
public:
    using Decoded = std::vector<std::pair<std::string, std::string>>;

    PluginRequest(const HttpRequest& request, const std::vector<std::pair<std::string_view, std::string>>& parameters,
                  const Decoded& query);

    std::string_view method() const override;
    std::string_view path() const override;
    std::optional<std::string_view> path_parameter(std::string_view name) const override;
    std::optional<std::string_view> query_parameter(std::string_view name) const override;
    std::vector<plugin_api::Field> query_parameters() const override;
    std::optional<std::string_view> header(std::string_view name) const override;
    std::vector<plugin_api::Field> headers() const override;
    std::string_view content_type() const override;
    std::string_view body() const override;
    std::string_view client_address() const override;

private:
    const HttpRequest& request_;
    const std::vector<std::pair<std::string_view, std::string>>& parameters_;
    const Decoded& query_;
};

}  // namespace plugin_host
