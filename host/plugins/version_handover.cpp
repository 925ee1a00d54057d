#include "plugins/version_handover.hpp"

#include "plugins/bounded_call.hpp"

#include <iterator>
#include <mutex>
#include <thread>

namespace plugin_host {

void VersionHandover::keep_until_exit(Kept plugins) {
    static std::mutex mutex;
    static auto* const forever = new Kept;  // never destroyed: no unload at exit either
    std::lock_guard lock(mutex);
    forever->insert(forever->end(), std::make_move_iterator(plugins.begin()), std::make_move_iterator(plugins.end()));
}

namespace {

std::string describe(const LoadedPlugin& plugin) {
    return "plugin '" + plugin.name() + "' generation " + std::to_string(plugin.generation());
}

}  // namespace

CallOutcome::Kind VersionHandover::run(const char* what, const std::shared_ptr<LoadedPlugin>& plugin, std::function<void()> hook,
                          Kept& kept_for_good) {
    const CallOutcome outcome = call_within(limit_, plugin, std::move(hook));
    switch (outcome.kind) {
    case CallOutcome::Kind::returned: return outcome.kind;
    case CallOutcome::Kind::threw:
        logger_.error("The " + std::string(what) + " of " + describe(*plugin) + " threw: " + outcome.error);
        return outcome.kind;
    case CallOutcome::Kind::timed_out: break;
    }
    logger_.error("The " + std::string(what) + " of " + describe(*plugin) + " did not return within " +
                  std::to_string(limit_.count()) + " ms ([plugins] lifecycle_timeout_ms); its code stays loaded " +
                  "for the rest of the process");
    kept_for_good.push_back(plugin);
    return outcome.kind;
}

void VersionHandover::bring_in(const std::shared_ptr<LoadedPlugin>& incoming, std::shared_ptr<LoadedPlugin> outgoing,
                               Kept& kept_for_good) {
    if (outgoing && incoming->hooks().keeps_state() && outgoing->hooks().keeps_state()) {
        hand_state(incoming, outgoing, kept_for_good);
    }
    if (incoming->hooks().start) run("start", incoming, incoming->hooks().start, kept_for_good);
    incoming->open();
}

void VersionHandover::hand_state(const std::shared_ptr<LoadedPlugin>& incoming,
                                 const std::shared_ptr<LoadedPlugin>& outgoing, Kept& kept_for_good) {
    // Its last request: no route table, endpoint or request holds it any more; the
    // manager's draining list and `outgoing` do.
    const auto deadline = std::chrono::steady_clock::now() + limit_;
    while (outgoing.use_count() > 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (outgoing.use_count() > 2) {
        logger_.warning(describe(*outgoing) + " still has requests running after " + std::to_string(limit_.count()) +
                        " ms; its state is saved now, and what they change after is not handed over");
    }
    stop(outgoing, kept_for_good);
    auto saved = std::make_shared<std::string>();
    if (run("save", outgoing, [saved, save = outgoing->hooks().save] { *saved = save(); }, kept_for_good) !=
        CallOutcome::Kind::returned) {
        logger_.warning(describe(*incoming) + " starts without its predecessor's state");
        return;
    }
    if (run("restore", incoming, [saved, restore = incoming->hooks().restore] { restore(*saved); }, kept_for_good) ==
        CallOutcome::Kind::returned) {
        logger_.information("Handed the state of " + describe(*outgoing) + " to generation " +
                            std::to_string(incoming->generation()) + " (" + std::to_string(saved->size()) + " bytes)");
    } else {
        logger_.warning(describe(*incoming) + " could not take its predecessor's state (" +
                        std::to_string(saved->size()) + " bytes)");
    }
}

void VersionHandover::stop(const std::shared_ptr<LoadedPlugin>& outgoing, Kept& kept_for_good) {
    if (outgoing->stop_done()) return;
    outgoing->mark_stop_done();
    if (!outgoing->is_open() || !outgoing->hooks().stop) return;  // never started
    run("stop", outgoing, outgoing->hooks().stop, kept_for_good);
}

}  // namespace plugin_host
