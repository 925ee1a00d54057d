#include "plugins/route_placement.hpp"

namespace plugin_host {
namespace {

/// Why `more` cannot join `placed`: RouteTable names both routes; "" if it can.
std::string clash_with(const RouteCandidate::Endpoints& placed, const RouteCandidate::Endpoints& more) {
    RouteCandidate::Endpoints together = placed;
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
    RouteCandidate::Endpoints placed;
    for (std::size_t at = 0; at < candidates.size(); ++at) {
        const RouteCandidate& candidate = candidates[at];
        if (candidate.incoming || candidate.serving.empty()) continue;
        // They served together before this change, so they fit; checked all the same, as the
        // table must never hold two of one route.
        if (!clash_with(placed, candidate.serving).empty()) continue;
        placed.insert(placed.end(), candidate.serving.begin(), candidate.serving.end());
        placement.placed[at] = Placed::serving;
    }
    for (std::size_t at = 0; at < candidates.size(); ++at) {
        const RouteCandidate& candidate = candidates[at];
        if (!candidate.incoming) continue;
        placement.clash[at] = clash_with(placed, *candidate.incoming);
        if (placement.clash[at].empty()) {
            placed.insert(placed.end(), candidate.incoming->begin(), candidate.incoming->end());
            placement.placed[at] = Placed::incoming;
        } else if (!candidate.serving.empty() && clash_with(placed, candidate.serving).empty()) {
            placed.insert(placed.end(), candidate.serving.begin(), candidate.serving.end());
            placement.placed[at] = Placed::serving;
        }
    }
    placement.table = std::make_shared<const RouteTable>(placed);
    return placement;
}

}  // namespace plugin_host
