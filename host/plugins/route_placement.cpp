#include "plugins/route_placement.hpp"

#include <algorithm>

namespace plugin_host {
namespace {

using Endpoints = std::vector<std::shared_ptr<const Endpoint>>;

/// Why `more` cannot join `placed`: RouteTable names both routes; "" if it can.
std::string clash_with(const Endpoints& placed, const Endpoints& more) {
    Endpoints together = placed;
    together.insert(together.end(), more.begin(), more.end());
    try {
        [[maybe_unused]] const RouteTable table(together);
    } catch (const RouteConflict& conflict) {
        return conflict.what();
    }
    return {};
}

}  // namespace

RoutePlacement place_routes(const std::vector<RouteCandidate>& candidates) {
    RoutePlacement placement;
    placement.placed.assign(candidates.size(), Placed::nothing);
    placement.clash.assign(candidates.size(), std::string());
    Endpoints placed;
    for (std::size_t at = 0; at < candidates.size(); ++at) {
        const RouteCandidate& candidate = candidates[at];
        if (candidate.incoming || !candidate.serving) continue;
        // They served together before this change, so they fit; checked all the same, as the
        // table must never hold two of one route.
        if (!clash_with(placed, candidate.serving->endpoints).empty()) continue;
        placed.insert(placed.end(), candidate.serving->endpoints.begin(), candidate.serving->endpoints.end());
        placement.placed[at] = Placed::serving;
    }
    for (std::size_t at = 0; at < candidates.size(); ++at) {
        const RouteCandidate& candidate = candidates[at];
        if (!candidate.incoming) continue;
        placement.clash[at] = clash_with(placed, candidate.incoming->endpoints);
        if (placement.clash[at].empty()) {
            placed.insert(placed.end(), candidate.incoming->endpoints.begin(), candidate.incoming->endpoints.end());
            placement.placed[at] = Placed::incoming;
        } else if (candidate.serving && clash_with(placed, candidate.serving->endpoints).empty()) {
            placed.insert(placed.end(), candidate.serving->endpoints.begin(), candidate.serving->endpoints.end());
            placement.placed[at] = Placed::serving;
        }
    }

    std::vector<std::pair<std::size_t, const RouteOffer*>> filtering;
    for (std::size_t at = 0; at < candidates.size(); ++at) {
        const RouteCandidate& candidate = candidates[at];
        if (!candidate.filter_position) continue;
        if (placement.placed[at] == Placed::incoming) filtering.emplace_back(*candidate.filter_position, &*candidate.incoming);
        if (placement.placed[at] == Placed::serving) filtering.emplace_back(*candidate.filter_position, &*candidate.serving);
    }
    std::stable_sort(filtering.begin(), filtering.end(),
                     [](const auto& one, const auto& other) { return one.first < other.first; });
    std::vector<std::shared_ptr<const Filter>> filters;
    for (const auto& [position, offer] : filtering) filters.insert(filters.end(), offer->filters.begin(), offer->filters.end());
    placement.table = std::make_shared<const RouteTable>(placed, std::move(filters));
    return placement;
}

}  // namespace plugin_host
