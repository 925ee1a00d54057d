#pragma once

#include "routing/endpoint.hpp"
#include "routing/filter.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plugin_host {

/// Two endpoints claim the same method and equivalent templates; what() names both.
class RouteConflict : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// An immutable set of endpoints, found by method and path, and the filters that run
/// around them: a tree of path segments, each
/// level holding literal segments, one parameter and one catch-all. For a path, the
/// endpoint is the first found, in the order literal, then parameter, then catch-all at
/// each segment (backing up a level when a branch leads nowhere), that serves the method.
class RouteTable {
public:
    using EndpointPtr = std::shared_ptr<const Endpoint>;
    using FilterPtr = std::shared_ptr<const Filter>;

    enum class Outcome {
        found,
        method_not_allowed,  ///< the path matches routes, none of them for the method
        not_found,
        bad_path,            ///< a segment of the path has a '%' without two hexadecimal digits
    };

    struct Match {
        Outcome outcome = Outcome::not_found;
        EndpointPtr endpoint;  ///< when found
        /// The template's parameters, by name, percent-decoded; when found.
        std::vector<std::pair<std::string_view, std::string>> parameters;
        /// When method_not_allowed: the methods the path's routes serve, in the order GET,
        /// HEAD (answered from GET), POST, PUT, PATCH, DELETE, OPTIONS.
        std::string allow;
    };

    RouteTable();

    /// Throws RouteConflict naming both endpoints if two share a method and an equivalent
    /// template.
    /// `filters` in the order they run ([filters] apply).
    explicit RouteTable(const std::vector<EndpointPtr>& endpoints, std::vector<FilterPtr> filters = {});

    ~RouteTable();
    RouteTable(const RouteTable&) = delete;
    RouteTable& operator=(const RouteTable&) = delete;

    /// `path` is the request's path, percent-encoded; `method` is looked up as it is (HEAD
    /// must be asked as GET). Any thread.
    Match find(std::string_view method, std::string_view path) const;

    /// Every endpoint, in the order given.
    const std::vector<EndpointPtr>& endpoints() const { return endpoints_; }

    /// Every filter, in the order they run.
    const std::vector<FilterPtr>& filters() const { return filters_; }

    /// Whether some endpoint has a body limit of its own (Endpoint::max_body_bytes).
    bool has_body_limits() const { return has_body_limits_; }

private:
    struct Node;

    std::vector<EndpointPtr> endpoints_;
    std::vector<FilterPtr> filters_;
    bool has_body_limits_ = false;
    std::unique_ptr<Node> root_;
};

/// Routes requests to the current RouteTable. Lookups run on request threads and hold a
/// lock only to copy the table's pointer; publish() swaps in a new table at once (requests
/// already routed keep the endpoint they found).
class Router {
public:
    Router();

    /// Called on request threads.
    RouteTable::Match find(std::string_view method, std::string_view path) const;

    /// Makes `table` the one every following lookup sees. Called by the plugin manager.
    void publish(std::shared_ptr<const RouteTable> table);

    std::shared_ptr<const RouteTable> table() const;

    /// RouteTable::has_body_limits() of the table published last, without the lock: called
    /// by the connection threads on every request with a body (RequestDispatcher::max_body_bytes()),
    /// so that while no route has a limit of its own they take no lock and look nothing up.
    /// A request read as a table is replaced may be held to either table's limits.
    bool has_body_limits() const { return has_body_limits_.load(std::memory_order_relaxed); }

private:
    // Not std::atomic<std::shared_ptr>: libstdc++ 12's load() releases its internal lock with
    // relaxed ordering after reading the pointer, a data race with a concurrent store.
    mutable std::mutex mutex_;
    std::shared_ptr<const RouteTable> table_;
    std::atomic<bool> has_body_limits_{false};
};

}  // namespace plugin_host
