#pragma once

#include <Poco/Net/NameValueCollection.h>

#include <cstdint>
#include <string>

namespace test_support {

struct ClientResponse {
    int status = 0;
    std::string body;
    Poco::Net::NameValueCollection headers;
};

/// One HTTP request to 127.0.0.1:<port> over a new connection, with `headers` beside the
/// framing ones; throws on socket errors.
ClientResponse send_request(std::uint16_t port, const std::string& method, const std::string& path,
                            const std::string& body = {},
                            const std::string& content_type = "application/json",
                            const Poco::Net::NameValueCollection& headers = {});

/// POST with a JSON body.
inline ClientResponse post_json(std::uint16_t port, const std::string& path, const std::string& body) {
    return send_request(port, "POST", path, body);
}

/// The seed's body for an endpoint: {"info": {"sequence": "<sequence>"}}.
inline std::string seed_body(const std::string& sequence) {
    return "{\"info\": {\"sequence\": \"" + sequence + "\"}}";
}

/// A whole seed request for `path`, as a raw client writes it on a connection.
inline std::string seed_request_bytes(const std::string& path, const std::string& sequence) {
    const std::string body = seed_body(sequence);
    return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// Sends `raw` bytes as they are and returns everything the server answers until it closes
/// the connection or `timeout_ms` passes.
std::string send_raw(std::uint16_t port, const std::string& raw, int timeout_ms = 5000);

}  // namespace test_support
