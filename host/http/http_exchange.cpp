#include "http/http_exchange.hpp"

#include "http/json_text.hpp"

namespace plugin_host {

HttpResponse json_response(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

HttpResponse error_response(int status, std::string_view message) { return json_response(status, json_error(message)); }

}  // namespace plugin_host
