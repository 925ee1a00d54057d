#include "plugins/bounded_call.hpp"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace plugin_host {
namespace {

std::atomic<std::size_t> overdue_running{0};

/// Shared by the caller and the call's thread, which may outlive the caller.
struct CallState {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    bool overdue = false;  ///< the caller stopped waiting
    CallOutcome outcome;
};

}  // namespace

CallOutcome call_within(std::chrono::milliseconds limit, std::shared_ptr<const void> keep, std::function<void()> call) {
    auto state = std::make_shared<CallState>();
    std::thread([state, keep = std::move(keep), call = std::move(call)]() mutable {
        CallOutcome outcome;
        try {
            call();
        } catch (const std::exception& error) {
            outcome = {CallOutcome::Kind::threw, error.what()};
        } catch (...) {
            outcome = {CallOutcome::Kind::threw, "a non-standard exception"};
        }
        call = nullptr;  // plugin code, released while `keep` holds the plugin
        keep.reset();    // before the caller hears of it: it may unload the plugin at once
        std::lock_guard lock(state->mutex);
        state->done = true;
        state->outcome = std::move(outcome);
        if (state->overdue) overdue_running.fetch_sub(1);
        state->finished.notify_all();
    }).detach();

    std::unique_lock lock(state->mutex);
    if (state->finished.wait_for(lock, limit, [&state] { return state->done; })) return state->outcome;
    state->overdue = true;
    overdue_running.fetch_add(1);
    return {CallOutcome::Kind::timed_out, {}};
}

std::size_t overdue_calls_running() { return overdue_running.load(); }

}  // namespace plugin_host
