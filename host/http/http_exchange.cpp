#include "http/http_exchange.hpp"

#include "http/json_body.hpp"

#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timestamp.h>

#include <sstream>

namespace plugin_host {
namespace {

std::string error_body(std::string_view message) { return json_body(JsonDocument{{"error", message}}); }

}  // namespace

HttpResponse json_response(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

HttpResponse error_response(int status, std::string_view message) { return json_response(status, error_body(message)); }

HttpResponse closing_error(int status, std::string_view message) {
    HttpResponse response = error_response(status, message);
    response.close_connection = true;
    return response;
}

bool has_no_body(int status) { return status == 204 || status == 304 || status < 200; }

std::string response_head(const HttpResponse& response, const std::string& version, bool keep_alive) {
    Poco::Net::HTTPResponse out;
    out.setVersion(version);
    out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status));
    out.setDate(Poco::Timestamp());
    out.setKeepAlive(keep_alive);
    const bool bodiless = has_no_body(response.status);
    if (!bodiless) out.setContentType(response.content_type);
    for (const auto& [name, value] : response.headers) out.add(name, value);
    // 204 and 304 never have a body, so never a length (RFC 9110 8.6).
    if (!bodiless) out.setContentLength64(static_cast<Poco::Int64>(response.body.size()));
    std::ostringstream text;
    out.write(text);
    return std::move(text).str();
}

}  // namespace plugin_host
