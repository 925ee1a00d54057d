// kv: an in-memory key-value store, as a plugin built with the SDK alone (the contract
// header, nlohmann/json and the standard library). It shows what contract 2.1 gives a
// plugin: several methods on path templates, path and query parameters, request and
// response headers, bodies of any media type, typed settings, the host's log, and state
// handed from one version to the next across a hot swap.
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
// The data lives in the plugin object. A new version of the plugin (a hot swap) takes it
// over through keep_state(): once the old version's last request has finished, the host
// calls its save() and hands the bytes to the new version's restore(), before the new one
// takes its first request; so no write is lost and ETags keep counting up. A restart
// starts empty. The bytes (see "State format" below) are versioned: a version that does not
// know a format throws, and the host then starts it empty and logs why.
#include <plugin_api/endpoint_plugin.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

using plugin_api::Request;
using plugin_api::Response;

/// Compact JSON text; bytes that are not UTF-8 (a key may be any bytes) become U+FFFD.
std::string to_text(const nlohmann::ordered_json& document) {
    return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// ---- State format ----
//
// "kv-state" '\n', then the format number as a u32; format 1 continues with the last ETag
// number given out (u64), the number of entries (u64), and each entry in key order:
// key (u32 length, bytes), content type (u32 length, bytes), ETag number (u64), value (u64
// length, bytes). Integers little-endian. Values and keys are any bytes, hence binary.
constexpr std::string_view kStateMagic = "kv-state\n";
#ifndef KV_STATE_FORMAT  // the tests build kv with another number to see it refuse what it does not know
#define KV_STATE_FORMAT 1
#endif
constexpr std::uint32_t kStateFormat = KV_STATE_FORMAT;

template <typename Integer>
void put_integer(std::string& out, Integer value) {
    for (std::size_t byte = 0; byte < sizeof(Integer); ++byte) out += static_cast<char>((value >> (8 * byte)) & 0xff);
}

template <typename Length>
void put_bytes(std::string& out, std::string_view bytes) {
    put_integer(out, static_cast<Length>(bytes.size()));
    out += bytes;
}

/// Reads the state format's fields from the front of `in`; throws once it runs short.
class StateReader {
public:
    explicit StateReader(std::string_view in) : in_(in) {}

    std::string_view take(std::uint64_t size) {
        if (size > in_.size()) throw std::runtime_error("kv state is truncated");
        const std::string_view bytes = in_.substr(0, size);
        in_.remove_prefix(size);
        return bytes;
    }

    template <typename Integer>
    Integer integer() {
        const std::string_view bytes = take(sizeof(Integer));
        Integer value = 0;
        for (std::size_t byte = 0; byte < sizeof(Integer); ++byte) {
            value |= static_cast<Integer>(static_cast<unsigned char>(bytes[byte])) << (8 * byte);
        }
        return value;
    }

    template <typename Length>
    std::string bytes() { return std::string(take(integer<Length>())); }

    bool done() const { return in_.empty(); }

private:
    std::string_view in_;
};

class KvPlugin final : public plugin_api::EndpointPlugin {
public:
    // On the host's loading thread, before any request or restore().
    void register_endpoints(plugin_api::Registrar& registrar) override {
        max_keys_ = static_cast<std::size_t>(registrar.settings().integer("max_keys", 10000, 1, 100'000'000));
        logger_ = &registrar.logger();
        registrar.add_route("PUT", "/kv/{key}", [this](const Request& request, Response& response) { put(request, response); });
        registrar.add_route("GET", "/kv/{key}", [this](const Request& request, Response& response) { get(request, response); });
        registrar.add_route("DELETE", "/kv/{key}",
                            [this](const Request& request, Response& response) { remove(request, response); });
        registrar.add_route("GET", "/kv", [this](const Request& request, Response& response) { list(request, response); });
        // Both on a host thread, each once per swap: save() on the old version after its last
        // request, restore() on the new one before its first. The mutex is not needed then,
        // but costs nothing and keeps every touch of entries_ under it.
        registrar.keep_state([this] { return save(); }, [this](std::string_view state) { restore(state); });
        logger_->information("Ready: an empty store for at most " + std::to_string(max_keys_) + " keys");
    }

private:
    struct Entry {
        std::string value;
        std::string content_type;
        std::uint64_t version = 0;  ///< unique in the store, and across swaps: the ETag
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

    // ---- Across a hot swap (host threads; see register_endpoints) ----

    std::string save() {
        std::lock_guard lock(mutex_);
        std::string out(kStateMagic);
        put_integer(out, kStateFormat);
        put_integer(out, versions_);
        put_integer(out, static_cast<std::uint64_t>(entries_.size()));
        for (const auto& [key, entry] : entries_) {
            put_bytes<std::uint32_t>(out, key);
            put_bytes<std::uint32_t>(out, entry.content_type);
            put_integer(out, entry.version);
            put_bytes<std::uint64_t>(out, entry.value);
        }
        logger_->information("Saved " + std::to_string(entries_.size()) + " keys for the next version");
        return out;
    }

    /// Takes every entry, even beyond this version's max_keys (no data is dropped; new keys
    /// are refused until there is room again). Throws on bytes it cannot read, leaving the
    /// store empty.
    void restore(std::string_view state) {
        StateReader in(state);
        if (in.take(std::min(state.size(), kStateMagic.size())) != kStateMagic) {
            throw std::runtime_error("not kv state (it does not begin \"kv-state\")");
        }
        if (const auto format = in.integer<std::uint32_t>(); format != kStateFormat) {
            throw std::runtime_error("kv state format " + std::to_string(format) + " is unknown to this version, which reads format " +
                                     std::to_string(kStateFormat));
        }
        const auto versions = in.integer<std::uint64_t>();
        const auto count = in.integer<std::uint64_t>();
        std::map<std::string, Entry, std::less<>> entries;
        for (std::uint64_t index = 0; index < count; ++index) {
            std::string key = in.bytes<std::uint32_t>();
            Entry entry;
            entry.content_type = in.bytes<std::uint32_t>();
            entry.version = in.integer<std::uint64_t>();
            entry.value = in.bytes<std::uint64_t>();
            entries.insert_or_assign(std::move(key), std::move(entry));
        }
        if (!in.done()) throw std::runtime_error("kv state has bytes after its last entry");
        std::lock_guard lock(mutex_);
        entries_ = std::move(entries);
        versions_ = versions;
        logger_->information("Restored " + std::to_string(entries_.size()) + " keys from the previous version" +
                             (entries_.size() > max_keys_ ? ", more than max_keys = " + std::to_string(max_keys_) : ""));
    }

    std::size_t max_keys_ = 0;
    plugin_api::Logger* logger_ = nullptr;
    std::mutex mutex_;
    std::map<std::string, Entry, std::less<>> entries_;
    std::uint64_t versions_ = 0;  ///< the last ETag number given out
};

}  // namespace

PLUGIN_API_EXPORT(KvPlugin)
