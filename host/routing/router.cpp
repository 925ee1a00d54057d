#include "routing/router.hpp"

#include "http/percent_encoding.hpp"

#include <array>

namespace plugin_host {
namespace {

using Kind = RouteTemplate::Segment::Kind;

/// The order methods are listed in Allow.
constexpr std::array<std::string_view, 7> kMethodOrder{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

std::string describe(const Endpoint& endpoint) {
    return endpoint.label() + " of plugin '" + endpoint.plugin_name + "'";
}

}  // namespace

struct RouteTable::Node {
    std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
    std::unique_ptr<Node> parameter;
    std::unique_ptr<Node> catch_all;
    std::vector<EndpointPtr> routes;  ///< of the templates that end here, one per method
};


RouteTable::RouteTable() : root_(std::make_unique<Node>()) {}

RouteTable::~RouteTable() = default;

RouteTable::RouteTable(const std::vector<EndpointPtr>& endpoints, std::vector<FilterPtr> filters)
    : endpoints_(endpoints), filters_(std::move(filters)), root_(std::make_unique<Node>()) {
    for (const EndpointPtr& endpoint : endpoints_) {
        has_body_limits_ = has_body_limits_ || endpoint->max_body_bytes != 0;
        Node* node = root_.get();
        for (const RouteTemplate::Segment& segment : endpoint->path.segments()) {
            std::unique_ptr<Node>* next = nullptr;
            switch (segment.kind) {
            case Kind::literal: next = &node->literals[segment.text]; break;
            case Kind::parameter: next = &node->parameter; break;
            case Kind::catch_all: next = &node->catch_all; break;
            }
            if (!*next) *next = std::make_unique<Node>();
            node = next->get();
        }
        for (const EndpointPtr& existing : node->routes) {
            if (existing->method == endpoint->method) {
                throw RouteConflict(describe(*existing) + " and " + describe(*endpoint) + " are the same route");
            }
        }
        node->routes.push_back(endpoint);
    }
}

RouteTable::Match RouteTable::find(std::string_view method, std::string_view path) const {
    Match match;
    std::vector<std::string> segments;
    if (!path.starts_with('/') || !decode_path_segments(path, segments)) {
        match.outcome = Outcome::bad_path;
        return match;
    }

    // Depth first, literal before parameter before catch-all; `values` holds the parameter
    // values of the branch being walked. visit(node) is true once `match` is found.
    std::vector<std::string> values;
    std::vector<const Node*> matching;  // every node the path ends at, for Allow
    const auto ends_at = [&](const Node& node) {
        if (node.routes.empty()) return false;
        matching.push_back(&node);
        for (const EndpointPtr& endpoint : node.routes) {
            if (endpoint->method != method) continue;
            match.outcome = Outcome::found;
            match.endpoint = endpoint;
            return true;
        }
        return false;
    };
    const auto visit = [&](const auto& self, const Node& node, std::size_t at) -> bool {
        if (at == segments.size()) return ends_at(node);
        const std::string& segment = segments[at];
        if (const auto literal = node.literals.find(segment); literal != node.literals.end()) {
            if (self(self, *literal->second, at + 1)) return true;
        }
        if (node.parameter && !segment.empty()) {
            values.push_back(segment);
            if (self(self, *node.parameter, at + 1)) return true;
            values.pop_back();
        }
        if (node.catch_all) {
            std::string rest = segment;
            for (std::size_t next = at + 1; next < segments.size(); ++next) rest += "/" + segments[next];
            if (!rest.empty()) {
                values.push_back(std::move(rest));
                if (ends_at(*node.catch_all)) return true;
                values.pop_back();
            }
        }
        return false;
    };

    if (visit(visit, *root_, 0)) {
        std::size_t value = 0;
        for (const RouteTemplate::Segment& segment : match.endpoint->path.segments()) {
            if (segment.kind != Kind::literal) match.parameters.emplace_back(segment.text, std::move(values[value++]));
        }
        return match;
    }
    if (matching.empty()) return match;  // not_found

    match.outcome = Outcome::method_not_allowed;
    for (const std::string_view listed : kMethodOrder) {
        const std::string_view served = listed == "HEAD" ? "GET" : listed;
        bool found = false;
        for (const Node* node : matching) {
            for (const EndpointPtr& endpoint : node->routes) found = found || endpoint->method == served;
        }
        if (!found) continue;
        if (!match.allow.empty()) match.allow += ", ";
        match.allow += listed;
    }
    return match;
}

Router::Router() : table_(std::make_shared<const RouteTable>()) {}

RouteTable::Match Router::find(std::string_view method, std::string_view path) const {
    return table()->find(method, path);
}

void Router::publish(std::shared_ptr<const RouteTable> table) {
    std::lock_guard lock(mutex_);
    has_body_limits_.store(table->has_body_limits(), std::memory_order_relaxed);
    table_.swap(table);  // the old table is released after the lock, by `table`
}

std::shared_ptr<const RouteTable> Router::table() const {
    std::lock_guard lock(mutex_);
    return table_;
}

}  // namespace plugin_host
