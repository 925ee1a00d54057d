#include "routing/router.hpp"

namespace plugin_host {

RouteTable::RouteTable(const std::vector<EndpointPtr>& endpoints) {
    for (const EndpointPtr& endpoint : endpoints) {
        auto& at_path = by_path_[endpoint->path];
        for (const EndpointPtr& existing : at_path) {
            if (existing->method == endpoint->method) {
                throw RouteConflict(endpoint->method + " " + endpoint->path +
                                    " is claimed by both plugin '" + existing->plugin_name +
                                    "' and plugin '" + endpoint->plugin_name + "'");
            }
        }
        at_path.push_back(endpoint);
    }
}

const RouteTable::EndpointPtr* RouteTable::find(std::string_view method,
                                                std::string_view path) const {
    const auto at_path = by_path_.find(path);
    if (at_path == by_path_.end()) return nullptr;
    for (const EndpointPtr& endpoint : at_path->second) {
        if (endpoint->method == method) return &endpoint;
    }
    return nullptr;
}

std::string RouteTable::allowed_methods(std::string_view path) const {
    std::string allow;
    const auto at_path = by_path_.find(path);
    if (at_path == by_path_.end()) return allow;
    for (const EndpointPtr& endpoint : at_path->second) {
        if (!allow.empty()) allow += ", ";
        allow += endpoint->method;
    }
    return allow;
}

Router::Router() : table_(std::make_shared<const RouteTable>()) {}

Router::Match Router::find(std::string_view method, std::string_view path) const {
    const std::shared_ptr<const RouteTable> table = this->table();
    if (const RouteTable::EndpointPtr* endpoint = table->find(method, path)) {
        return {Outcome::found, *endpoint, {}};
    }
    std::string allow = table->allowed_methods(path);
    if (allow.empty()) return {Outcome::not_found, nullptr, {}};
    return {Outcome::method_not_allowed, nullptr, std::move(allow)};
}

void Router::publish(std::shared_ptr<const RouteTable> table) {
    std::lock_guard lock(mutex_);
    table_.swap(table);  // the old table is released after the lock, by `table`
}

std::shared_ptr<const RouteTable> Router::table() const {
    std::lock_guard lock(mutex_);
    return table_;
}

}  // namespace plugin_host
