// auth: bearer-token authentication as a filter (contract 2.1), written once for every route
// it covers instead of in each handler.
//
// A request on the paths it covers passes only with `Authorization: Bearer <token>` naming
// one of its tokens; any other is answered 401 with a WWW-Authenticate challenge (RFC 6750),
// before the handler runs and whether or not a route exists there.
//
// Settings ([plugin.auth]):
//   tokens  = a comma-separated list of accepted tokens (required)
//   paths   = the path patterns it covers (default /kv/{rest...}: /kv and everything below)
//   methods = the methods it covers (default *; OPTIONS passes unless listed, so that a
//             CORS preflight, which carries no credentials, reaches the cors filter)
//   realm   = the realm named in the challenge (default plugin-host)
//
// It runs only where server.ini's [filters] apply lists it: `apply = cors, auth` puts the
// cors filter outside it, so that a browser also reads a 401 (see config/examples.ini).
#include <plugin_api/endpoint_plugin.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using plugin_api::FilterResult;
using plugin_api::Request;
using plugin_api::Response;

/// Equal without stopping at the first difference: how long a comparison takes tells a
/// client nothing about how much of a token it guessed.
bool same_secret(std::string_view one, std::string_view other) {
    if (one.size() != other.size()) return false;
    unsigned char difference = 0;
    for (std::size_t at = 0; at < one.size(); ++at) {
        difference |= static_cast<unsigned char>(one[at] ^ other[at]);
    }
    return difference == 0;
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case), or "".
std::string_view bearer_token(const Request& request) {
    const std::optional<std::string_view> header = request.header("Authorization");
    if (!header || header->size() <= 7) return {};
    const std::string_view scheme = header->substr(0, 7);
    const bool bearer = std::equal(scheme.begin(), scheme.end(), "bearer ", [](char got, char want) {
        return (got >= 'A' && got <= 'Z' ? static_cast<char>(got - 'A' + 'a') : got) == want;
    });
    return bearer ? header->substr(7) : std::string_view();
}

class AuthPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        tokens_ = registrar.settings().list("tokens", {});
        if (tokens_.empty()) throw std::invalid_argument("[plugin.auth] tokens: list at least one token");
        realm_ = registrar.settings().text("realm", "plugin-host");
        const std::vector<std::string> methods = registrar.settings().list("methods", {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"});
        std::string method_list;
        for (const std::string& method : methods) method_list += (method_list.empty() ? "" : ",") + method;
        for (const std::string& path : registrar.settings().list("paths", {"/kv/{rest...}"})) {
            registrar.add_filter(method_list, path,
                                 [this](const Request& request, Response& response) { return check(request, response); },
                                 {});
        }
    }

private:
    FilterResult check(const Request& request, Response& response) const {
        const std::string_view token = bearer_token(request);
        const bool known = std::any_of(tokens_.begin(), tokens_.end(),
                                       [token](const std::string& each) { return same_secret(each, token); });
        if (known) return FilterResult::proceed;
        response.set_status(401);
        std::string challenge = "Bearer realm=\"" + realm_ + "\"";
        if (!token.empty()) challenge += ", error=\"invalid_token\"";
        response.set_header("WWW-Authenticate", challenge);
        response.set_body(token.empty() ? R"({"error":"this path needs a bearer token"})"
                                        : R"({"error":"the bearer token is not valid"})");
        return FilterResult::answered;
    }

    std::vector<std::string> tokens_;
    std::string realm_;
};

}  // namespace

PLUGIN_API_EXPORT(AuthPlugin)
