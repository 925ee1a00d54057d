// A plugin that answers every request with what the host framed, for the differential
// conformance test (tests/conformance/run.py): the same bytes go to the host and to two
// reference parsers whose echo servers answer in the same shape, and the runner compares.
//
// Every method a route may have, on / and on every other path, answers 200 with
//   {"method":"POST","path":"/a/b","query":[["q","1"]],"body_length":3,"body_fnv":"<hex>"}
// path as sent (still percent-encoded), the query decoded (the contract gives no raw query;
// the runner decodes the references' targets the same way), and the body's 64-bit FNV-1a.
// Strings are written byte by byte: a byte outside printable ASCII becomes \u00XX, so the
// runner reads them back as Latin-1, as the references report theirs.
#include <plugin_api/endpoint_plugin.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

using plugin_api::Request;
using plugin_api::Response;

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == '"' || byte == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte >= 0x7f) {
            std::array<char, 7> escaped{};
            std::snprintf(escaped.data(), escaped.size(), "\\u%04x", byte);
            out += escaped.data();
        } else {
            out += c;
        }
    }
    out += '"';
}

std::string fnv1a_hex(std::string_view bytes) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    std::array<char, 17> hex{};
    std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(hash));
    return hex.data();
}

void echo(const Request& request, Response& response) {
    std::string json = "{\"method\":";
    append_json_string(json, request.method());
    json += ",\"path\":";
    append_json_string(json, request.path());
    json += ",\"query\":[";
    bool first = true;
    for (const auto& [name, value] : request.query_parameters()) {
        json += first ? "[" : ",[";
        first = false;
        append_json_string(json, name);
        json += ',';
        append_json_string(json, value);
        json += ']';
    }
    json += "],\"body_length\":" + std::to_string(request.body().size());
    json += ",\"body_fnv\":\"" + fnv1a_hex(request.body()) + "\"}";
    response.set_body(std::move(json));
}

class EchoPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
            registrar.add_route(method, "/", echo);
            registrar.add_route(method, "/{path...}", echo);
        }
    }
};

}  // namespace

PLUGIN_API_EXPORT(EchoPlugin)
