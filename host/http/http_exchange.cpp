#include "http/http_exchange.hpp"

#include "http/json_body.hpp"

#include <Poco/Net/HTTPResponse.h>

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

void HttpRequest::drop_fields_and_body() {
    head = Poco::Net::HTTPRequest(head.getMethod(), head.getURI(), head.getVersion());
    std::vector<std::pair<std::string, std::string>>().swap(fields);
    std::string().swap(query);
    std::string().swap(body);
}

HttpResponse error_response(int status, std::string_view message) { return json_response(status, error_body(message)); }

HttpResponse closing_error(int status, std::string_view message) {
    HttpResponse response = error_response(status, message);
    response.close_connection = true;
    return response;
}

std::string closing_error_bytes(int status, std::string_view message,
                                const std::vector<std::pair<std::string, std::string>>& headers) {
    const std::string body = error_body(message);
    Poco::Net::HTTPResponse head(Poco::Net::HTTPMessage::HTTP_1_1, static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    for (const auto& [name, value] : headers) head.add(name, value);
    head.setKeepAlive(false);
    head.setContentType("application/json");
    head.setContentLength64(static_cast<Poco::Int64>(body.size()));
    std::ostringstream text;
    head.write(text);
    return std::move(text).str() + body;
}

}  // namespace plugin_host
