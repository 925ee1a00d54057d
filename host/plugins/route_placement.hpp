#pragma once

#include "routing/router.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace plugin_host {

/// What one version of a plugin puts in a route table.
struct RouteOffer {
    std::vector<std::shared_ptr<const Endpoint>> endpoints;
    std::vector<std::shared_ptr<const Filter>> filters;
};

/// One configured plugin's routes and filters, for the next route table.
struct RouteCandidate {
    std::optional<RouteOffer> serving;   ///< of the version serving now, if one does
    std::optional<RouteOffer> incoming;  ///< of a new version just loaded, if there is one
    /// Its place in [filters] apply; nothing: its filters do not run.
    std::optional<std::size_t> filter_position;
};

/// What each plugin serves in the next table.
enum class Placed { incoming, serving, nothing };

struct RoutePlacement {
    std::shared_ptr<const RouteTable> table;
    std::vector<Placed> placed;      ///< one per candidate, in their order
    std::vector<std::string> clash;  ///< one per candidate: why its new version did not fit, or ""
};

/// Builds the whole next route table from every configured plugin, in configuration order,
/// so that it can be published at once: no request sees half of a change, and a change that
/// moves routes between plugins (one takes /b as another leaves it for /c; two exchange
/// theirs) is applied as a whole instead of being refused plugin by plugin against the
/// table it replaces.
///
/// Plugins without a new version keep what they serve (those routes coexisted already).
/// Then each plugin with a new version, in configuration order, gets it if its routes clash
/// with none placed so far; if they do, it keeps the version serving, if that fits; else it
/// serves nothing. Loading every plugin of a configuration into an empty table, as
/// --check-config does, is the same walk with no plugin serving yet: the first to claim a
/// route has it. So a configuration the check accepts is applied exactly as checked.
/// The table's filters are those of the versions placed, ordered by filter_position.
/// A pure function; any thread.
RoutePlacement place_routes(const std::vector<RouteCandidate>& candidates);

}  // namespace plugin_host
