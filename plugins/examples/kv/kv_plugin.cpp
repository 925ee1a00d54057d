// kv: an in-memory key-value store, as a plugin built with the SDK alone (the contract
// header, nlohmann/json and the standard library). It shows what contract 2 gives a plugin:
// several methods on path templates, path and query parameters, request and response
// headers, bodies of any media type, typed settings and the host's log.
//
//   PUT    /kv/{key}     stores the body and its Content-Type: 201 if new, 204 if replaced
//   GET    /kv/{key}     200 with the value, its Content-Type and an ETag; 304 when
//                        If-None-Match names that ETag; 404 if there is no such key
//   DELETE /kv/{key}     204, or 404
//   GET    /kv?prefix=a&limit=10    {"keys":[{"key":"a1","bytes":3,"content_type":"text/plain",
//                        "etag":"\"7\""}],"truncated":false}, in key order
//
// Settings ([plugin.kv]): max_keys (default 10000). A PUT of a new key beyond it is
// answered 507 Insufficient Storage: the request is fine and its body within the host's
// limit (else 413, from the host), but the store has no room for one more key.
//
// The data lives in the plugin object: a new version of the plugin (a hot swap) starts
// empty, and so does a restart.
#include <plugin_api/endpoint_plugin.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace {

using plugin_api::Request;
using plugin_api::Response;

/// Compact JSON text; bytes that are not UTF-8 (a key may be any bytes) become U+FFFD.
std::string to_text(const nlohmann::ordered_json& document) {
    return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class KvPlugin final : public plugin_api::EndpointPlugin {
public:
    // On the host's loading thread, before any request.
    void register_endpoints(plugin_api::Registrar& registrar) override {
        max_keys_ = static_cast<std::size_t>(registrar.settings().integer("max_keys", 10000, 1, 100'000'000));
        logger_ = &registrar.logger();
        registrar.add_route("PUT", "/kv/{key}", [this](const Request& request, Response& response) { put(request, response); });
        registrar.add_route("GET", "/kv/{key}", [this](const Request& request, Response& response) { get(request, response); });
        registrar.add_route("DELETE", "/kv/{key}",
                            [this](const Request& request, Response& response) { remove(request, response); });
        registrar.add_route("GET", "/kv", [this](const Request& request, Response& response) { list(request, response); });
        logger_->information("Ready: an empty store for at most " + std::to_string(max_keys_) + " keys");
    }

private:
    struct Entry {
        std::string value;
        std::string content_type;
        std::uint64_t version = 0;  ///< unique in the store: the ETag
    };

    static std::string etag(const Entry& entry) { return "\"" + std::to_string(entry.version) + "\""; }

    static void fail(Response& response, int status, const std::string& message) {
        response.set_status(status);
        response.set_body(to_text({{"error", message}}));
    }

    /// Whether an If-None-Match list ("\"3\", \"7\"" or "*") names `tag`.
    static bool matches(std::string_view list, const std::string& tag) {
        while (!list.empty()) {
            const auto comma = list.find(',');
            std::string_view item = list.substr(0, comma);
            while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
            while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
            if (item.starts_with("W/")) item.remove_prefix(2);  // a weak comparison, as If-None-Match asks
            if (item == "*" || item == tag) return true;
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
        return false;
    }

    // The handlers: on request threads, concurrently; each holds mutex_ while it touches the store.

    void put(const Request& request, Response& response) {
        const std::string key(*request.path_parameter("key"));
        const std::string_view content_type = request.content_type();
        std::lock_guard lock(mutex_);
        const auto existing = entries_.find(key);
        if (existing == entries_.end() && entries_.size() >= max_keys_) {
            logger_->warning("Store full (" + std::to_string(max_keys_) + " keys): refused a new key");
            return fail(response, 507, "the store holds its max_keys = " + std::to_string(max_keys_) + " keys");
        }
        Entry& entry = existing == entries_.end() ? entries_[key] : existing->second;
        entry.value = std::string(request.body());
        entry.content_type = content_type.empty() ? "application/octet-stream" : std::string(content_type);
        entry.version = ++versions_;
        response.set_header("ETag", etag(entry));
        if (existing == entries_.end()) {
            response.set_status(201);
            response.set_header("Location", std::string(request.path()));
            response.set_body(to_text({{"key", key}}));
        } else {
            response.set_status(204);
        }
        if (logger_->enabled(plugin_api::Logger::Level::debug)) {  // the key quoted and escaped: one log line
            logger_->debug("Stored " + std::to_string(entry.value.size()) + " bytes under " + to_text(key));
        }
    }

    void get(const Request& request, Response& response) {
        const std::string_view key = *request.path_parameter("key");
        std::lock_guard lock(mutex_);
        const auto found = entries_.find(key);
        if (found == entries_.end()) return fail(response, 404, "no key \"" + std::string(key) + "\"");
        const std::string tag = etag(found->second);
        response.set_header("ETag", tag);
        if (const auto wanted = request.header("If-None-Match"); wanted && matches(*wanted, tag)) {
            response.set_status(304);
            return;
        }
        response.set_content_type(found->second.content_type);
        response.set_body(found->second.value);
    }

    void remove(const Request& request, Response& response) {
        const std::string_view key = *request.path_parameter("key");
        std::lock_guard lock(mutex_);
        const auto found = entries_.find(key);
        if (found == entries_.end()) return fail(response, 404, "no key \"" + std::string(key) + "\"");
        entries_.erase(found);
        response.set_status(204);
    }

    void list(const Request& request, Response& response) {
        const std::string prefix(request.query_parameter("prefix").value_or(""));
        std::size_t limit = 100;
        if (const auto text = request.query_parameter("limit")) {
            const std::string digits(*text);
            const bool number = !digits.empty() && digits.size() <= 4 && digits.find_first_not_of("0123456789") == std::string::npos;
            limit = number ? std::stoul(digits) : 0;
            if (limit < 1 || limit > 1000) return fail(response, 400, "limit must be a whole number from 1 to 1000");
        }
        // ordered_json: the members in the order written, as the answer has always had them.
        nlohmann::ordered_json keys = nlohmann::ordered_json::array();
        bool truncated = false;
        std::lock_guard lock(mutex_);
        for (auto entry = entries_.lower_bound(prefix); entry != entries_.end() && entry->first.starts_with(prefix); ++entry) {
            if (keys.size() == limit) {
                truncated = true;
                break;
            }
            keys.push_back({{"key", entry->first},
                            {"bytes", entry->second.value.size()},
                            {"content_type", entry->second.content_type},
                            {"etag", etag(entry->second)}});
        }
        response.set_body(to_text({{"keys", std::move(keys)}, {"truncated", truncated}}));
    }

    std::size_t max_keys_ = 0;
    plugin_api::Logger* logger_ = nullptr;
    std::mutex mutex_;
    std::map<std::string, Entry, std::less<>> entries_;
    std::uint64_t versions_ = 0;
};

}  // namespace

PLUGIN_API_EXPORT(KvPlugin)
