#include "contract/plugin_response.hpp"

#include "contract/plugin_deferred.hpp"
#include "http/field_syntax.hpp"

#include <Poco/String.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace plugin_host {
namespace {

/// Header fields the host writes itself, or that only the connection may carry (RFC 9110
/// 7.6.1), in lower case.
constexpr std::array<std::string_view, 10> kHostHeaders{"content-length", "content-type", "transfer-encoding",
                                                        "connection",     "keep-alive",   "proxy-connection",
                                                        "upgrade",        "te",           "trailer",
                                                        "date"};

/// A control character other than tab: CR and LF would end the header, NUL is refused by
/// clients (RFC 9110 5.5).
bool has_control_character(std::string_view text) {
    return !std::all_of(text.begin(), text.end(), is_field_value_char);
}

}  // namespace

PluginResponse::PluginResponse(HttpResponse& response, const DeferralSource* source)
    : response_(response), source_(source) {}

PluginResponse::~PluginResponse() = default;

std::shared_ptr<plugin_api::Deferred> PluginResponse::defer() {
    if (forward_) return forward_->defer();
    if (!source_) throw std::logic_error("Response::defer() is for a route's handler, not a filter's hooks");
    deferred_ = std::make_shared<PluginDeferred>(source_->logger, source_->endpoint, std::move(response_),
                                                 std::move(problem_));
    problem_.clear();
    forward_ = &deferred_->response();
    return deferred_;
}

bool PluginResponse::acceptable(std::string_view name, std::string_view value) {
    if (!problem_.empty()) return false;
    if (!is_token(name)) {
        problem_ = "it set a header whose name is not a token";
    } else if (std::find(kHostHeaders.begin(), kHostHeaders.end(), Poco::toLower(std::string(name))) != kHostHeaders.end()) {
        problem_ = "it set the header " + std::string(name) + ", which the host writes itself" +
                   (Poco::icompare(std::string(name), "content-type") == 0 ? " (use set_content_type)" : "");
    } else if (has_control_character(value)) {
        problem_ = "it set the header " + std::string(name) + " to a value with a control character (CR, LF, NUL, ...)";
    }
    return problem_.empty();
}

void PluginResponse::set_header(std::string_view name, std::string_view value) {
    if (forward_) [[unlikely]] return forward_->set_header(name, value);
    if (!acceptable(name, value)) return;
    std::erase_if(response_.headers,
                  [name](const auto& header) { return Poco::icompare(header.first, std::string(name)) == 0; });
    response_.headers.emplace_back(name, value);
}

void PluginResponse::add_header(std::string_view name, std::string_view value) {
    if (forward_) [[unlikely]] return forward_->add_header(name, value);
    if (acceptable(name, value)) response_.headers.emplace_back(name, value);
}

void PluginResponse::set_content_type(std::string_view content_type) {
    if (forward_) [[unlikely]] return forward_->set_content_type(content_type);
    if (!problem_.empty()) return;
    if (content_type.empty() || has_control_character(content_type)) {
        problem_ = "it set an empty Content-Type, or one with a control character";
        return;
    }
    response_.content_type = content_type;
}

void PluginResponse::set_body(std::string body) {
    if (forward_) [[unlikely]] return forward_->set_body(std::move(body));
    response_.body = std::move(body);
}

}  // namespace plugin_host
