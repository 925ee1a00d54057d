#include "contract/plugin_request.hpp"

namespace plugin_host {

PluginRequest::PluginRequest(const HttpRequest& request,
                             const std::vector<std::pair<std::string_view, std::string>>& parameters,
                             const Decoded& query)
    : request_(request), parameters_(parameters), query_(query) {}

std::string_view PluginRequest::method() const { return request_.method(); }

std::string_view PluginRequest::path() const { return request_.path; }

std::optional<std::string_view> PluginRequest::path_parameter(std::string_view name) const {
    for (const auto& [parameter, value] : parameters_) {
        if (parameter == name) return value;
    }
    return std::nullopt;
}

std::optional<std::string_view> PluginRequest::query_parameter(std::string_view name) const {
    for (const auto& [parameter, value] : query_) {
        if (parameter == name) return value;
    }
    return std::nullopt;
}

std::vector<plugin_api::Field> PluginRequest::query_parameters() const {
    return {query_.begin(), query_.end()};
}

std::optional<std::string_view> PluginRequest::header(std::string_view name) const {
    const auto field = request_.head.find(std::string(name));  // case-insensitive
    if (field == request_.head.end()) return std::nullopt;
    return field->second;
}

std::vector<plugin_api::Field> PluginRequest::headers() const {
    return {request_.fields.begin(), request_.fields.end()};
}

std::string_view PluginRequest::content_type() const { return request_.content_type(); }

std::string_view PluginRequest::body() const { return request_.body; }

std::string_view PluginRequest::client_address() const { return request_.client_address; }

}  // namespace plugin_host
