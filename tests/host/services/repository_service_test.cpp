#include "services/repository_service.hpp"

#include <gtest/gtest.h>

#include "contract/plugin_deferred.hpp"
#include "http/event_loop.hpp"
#include "http/pending_response.hpp"
#include "support/eventually.hpp"
#include "support/log_capture.hpp"

#include <array>
#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace plugin_host {
namespace {

using Clock = std::chrono::steady_clock;

const std::array<std::string, 2> kFirstNames{"first_first", "first_second"};

TEST(RepositoryService, LogsTheCallAndAnswersWithTheNames) {
    test_support::LogCapture log;
    RepositoryService repository(std::chrono::milliseconds(0), Poco::Logger::get("host.repository"));

    EXPECT_EQ(repository.call(kFirstNames, "first"), "first_first,first_second Executed");
    EXPECT_EQ(log.lines(),
              (std::vector<std::string>{
                  "host.repository: Executing first_first,first_second with data: first",
                  "host.repository: Executed first_first,first_second"}));
}

TEST(RepositoryService, WaitsTheConfiguredDelay) {
    RepositoryService repository(std::chrono::milliseconds(150), Poco::Logger::get("host.repository"));
    const auto started = Clock::now();
    repository.call(kFirstNames, "first");
    EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(150));
}

TEST(RepositoryService, ConcurrentCallsWaitInParallel) {
    RepositoryService repository(std::chrono::milliseconds(200), Poco::Logger::get("host.repository"));
    const auto started = Clock::now();
    std::vector<std::thread> callers;
    for (int i = 0; i < 20; ++i) {
        callers.emplace_back([&repository] { repository.call(kFirstNames, "first"); });
    }
    for (std::thread& caller : callers) caller.join();
    // 20 calls one after another would take 4 s.
    EXPECT_LT(Clock::now() - started, test_support::scaled(std::chrono::milliseconds(2000)));
}

TEST(RepositoryService, ControlCharactersInDataCannotForgeLogLines) {
    test_support::LogCapture log;
    RepositoryService repository(std::chrono::milliseconds(0), Poco::Logger::get("host.repository"));
    repository.call(kFirstNames, "a\nExecuted fake");
    EXPECT_TRUE(log.contains(
        "host.repository: Executing first_first,first_second with data: a\\nExecuted fake"));
}

/// A call_later() callback as a plugin writes one: it owns the request's Deferred, and its
/// destruction, which is the plugin's code, goes on after the Deferred is gone: members are
/// destroyed last to first, so `after` after `deferred`.
struct OwningCallback {
    /// Reports, once destroyed while armed, whether the plugin had been let go of by then.
    struct After {
        std::shared_ptr<std::atomic<bool>> plugin_let_go;
        std::shared_ptr<std::promise<bool>> let_go_before;
        After(std::shared_ptr<std::atomic<bool>> let_go, std::shared_ptr<std::promise<bool>> before)
            : plugin_let_go(std::move(let_go)), let_go_before(std::move(before)) {}
        After(After&& other) noexcept = default;
        After(const After&) = default;
        ~After() {
            if (let_go_before) let_go_before->set_value(plugin_let_go->load());
        }
    };
    After after;
    std::shared_ptr<plugin_api::Deferred> deferred;

    OwningCallback(OwningCallback&& other) noexcept
        : after(std::move(other.after)), deferred(std::move(other.deferred)) {}
    OwningCallback(const OwningCallback&) = default;
    OwningCallback(After a, std::shared_ptr<plugin_api::Deferred> d) : after(std::move(a)), deferred(std::move(d)) {}

    void operator()(const std::string& result) const {
        deferred->response().set_body(result);
        deferred->complete();
    }
};

/// A request deferred by a plugin whose only hold is the Deferred's, and a callback that
/// owns that Deferred and reports whether the plugin was let go of before the callback's
/// own code had finished being destroyed.
struct DeferredOfAPlugin {
    std::shared_ptr<std::atomic<bool>> plugin_let_go = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<PendingResponse> pending;
    std::shared_ptr<std::promise<bool>> let_go_before = std::make_shared<std::promise<bool>>();
    std::future<bool> reported = let_go_before->get_future();
    std::shared_ptr<PluginDeferred> deferred;

    DeferredOfAPlugin() {
        // The route's endpoint: its deleter marks the plugin let go.
        auto* built = new Endpoint{nullptr, "owning", "GET", RouteTemplate::parse("/owning"), nullptr};
        std::shared_ptr<const Endpoint> endpoint(built, [let_go = plugin_let_go](const Endpoint* gone) {
            delete gone;
            let_go->store(true);
        });
        deferred = std::make_shared<PluginDeferred>(Poco::Logger::get("host.repository"), std::move(endpoint),
                                                    HttpResponse{}, "");
        pending = deferred->pending();
        deferred->release();
    }

    /// The callback, which takes the Deferred.
    std::function<void(std::string)> callback() {
        OwningCallback owning(OwningCallback::After(plugin_let_go, let_go_before), std::move(deferred));
        return std::function<void(std::string)>(std::move(owning));
    }  // the moved-from callback reports nothing: its After is moved from

    /// Waits for the callback's destruction; false if the plugin was let go of before it ended.
    bool held_until_the_callback_was_destroyed() {
        if (reported.wait_for(test_support::scaled(std::chrono::seconds(5))) != std::future_status::ready) {
            ADD_FAILURE() << "the callback was never destroyed";
            return false;
        }
        return !reported.get();
    }
};

TEST(RepositoryService, ThePluginIsHeldUntilTheCallbackThatOwnedItsDeferredIsDestroyed) {
    RepositoryService repository(std::chrono::milliseconds(0), Poco::Logger::get("host.repository"));
    DeferredOfAPlugin request;
    repository.call_later(kFirstNames, "first", request.callback());

    EXPECT_TRUE(request.held_until_the_callback_was_destroyed()) << "the plugin was let go of while its callback's code still ran";
    EXPECT_TRUE(test_support::eventually([&] { return request.plugin_let_go->load(); }));
    EXPECT_EQ(request.pending->take().body, "first_first,first_second Executed");
}

TEST(RepositoryService, ACallbackDroppedUnrunAtStopHoldsThePluginUntilItIsDestroyed) {
    RepositoryService repository(std::chrono::hours(1), Poco::Logger::get("host.repository"));
    DeferredOfAPlugin request;
    repository.call_later(kFirstNames, "first", request.callback());
    repository.stop_timer();

    EXPECT_TRUE(request.held_until_the_callback_was_destroyed()) << "the plugin was let go of while its callback's code still ran";
    EXPECT_TRUE(request.plugin_let_go->load());
    EXPECT_EQ(request.pending->take().status, 500);  // its Deferred dropped without complete()
}

TEST(RepositoryService, CallLaterHereRunsOnTheCallingLoopThreadAndTheTimersThreadElsewhere) {
    RepositoryService repository(std::chrono::milliseconds(0), Poco::Logger::get("host.repository"));
    EventLoop loop("ph-loop-test");
    std::promise<std::pair<std::thread::id, std::thread::id>> on_loop;  // the caller's, done's
    loop.post([&] {
        repository.call_later_here(kFirstNames, "first", [&on_loop, caller = std::this_thread::get_id()](std::string) {
            on_loop.set_value({caller, std::this_thread::get_id()});
        });
    });
    auto [caller, done] = on_loop.get_future().get();
    EXPECT_EQ(done, caller);

    std::promise<std::thread::id> elsewhere;
    repository.call_later_here(kFirstNames, "first", [&elsewhere](std::string) { elsewhere.set_value(std::this_thread::get_id()); });
    const std::thread::id timer = elsewhere.get_future().get();
    EXPECT_NE(timer, std::this_thread::get_id());
    EXPECT_NE(timer, caller);
}

TEST(RepositoryService, ACallbackALoopDropsUnrunAtStopHoldsThePluginUntilItIsDestroyed) {
    RepositoryService repository(std::chrono::hours(1), Poco::Logger::get("host.repository"));
    DeferredOfAPlugin request;
    {
        EventLoop loop("ph-loop-test");
        std::promise<void> scheduled;
        loop.post([&] {
            repository.call_later_here(kFirstNames, "first", request.callback());
            scheduled.set_value();
        });
        scheduled.get_future().wait();
    }  // the loop stops with the callback not yet due

    EXPECT_TRUE(request.held_until_the_callback_was_destroyed()) << "the plugin was let go of while its callback's code still ran";
    EXPECT_TRUE(request.plugin_let_go->load());
}

}  // namespace
}  // namespace plugin_host
