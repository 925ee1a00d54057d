#pragma once

#include "routing/endpoint.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace plugin_host {

/// Two endpoints claim the same method and path.
class RouteConflict : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// An immutable set of endpoints indexed by path, then method.
class RouteTable {
public:
    using EndpointPtr = std::shared_ptr<const Endpoint>;

    RouteTable() = default;

    /// Throws RouteConflict naming both plugins if two endpoints share a method and path.
    explicit RouteTable(const std::vector<EndpointPtr>& endpoints);

    /// The endpoint for `method` and `path`, or nullptr.
    const EndpointPtr* find(std::string_view method, std::string_view path) const;

    /// The methods served at `path`, comma-separated (an Allow header); empty if none.
    std::string allowed_methods(std::string_view path) const;

    const std::map<std::string, std::vector<EndpointPtr>, std::less<>>& by_path() const {
        return by_path_;
    }

private:
    std::map<std::string, std::vector<EndpointPtr>, std::less<>> by_path_;
};

/// Routes requests to the current RouteTable. Lookups run on request threads and hold a
/// lock only to copy the table's pointer; publish() swaps in a new table at once (requests
/// already routed keep the endpoint they found).
class Router {
public:
    enum class Outcome { found, method_not_allowed, not_found };

    struct Match {
        Outcome outcome = Outcome::not_found;
        RouteTable::EndpointPtr endpoint;  ///< set when found
        std::string allow;                 ///< set when method_not_allowed
    };

    Router();

    /// Called on request threads.
    Match find(std::string_view method, std::string_view path) const;

    /// Makes `table` the one every following lookup sees. Called by the plugin manager.
    void publish(std::shared_ptr<const RouteTable> table);

    std::shared_ptr<const RouteTable> table() const;

private:
    // Not std::atomic<std::shared_ptr>: libstdc++ 12's load() releases its internal lock with
    // relaxed ordering after reading the pointer, a data race with a concurrent store.
    mutable std::mutex mutex_;
    std::shared_ptr<const RouteTable> table_;
};

}  // namespace plugin_host
