#include "services/repository_service.hpp"

#include <gtest/gtest.h>

#include "contract/plugin_deferred.hpp"
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

TEST(RepositoryService, ThePluginIsHeldUntilTheCallbackThatOwnedItsDeferredIsDestroyed) {
    RepositoryService repository(std::chrono::milliseconds(0), Poco::Logger::get("host.repository"));
    auto plugin_let_go = std::make_shared<std::atomic<bool>>(false);
    // The route's endpoint, the Deferred's only hold on the plugin: its deleter marks the plugin let go.
    auto* built = new Endpoint{nullptr, "owning", "GET", RouteTemplate::parse("/owning"), nullptr};
    std::shared_ptr<const Endpoint> endpoint(built, [plugin_let_go](const Endpoint* gone) {
        delete gone;
        plugin_let_go->store(true);
    });
    auto deferred = std::make_shared<PluginDeferred>(Poco::Logger::get("host.repository"), std::move(endpoint),
                                                     HttpResponse{}, "");
    const std::shared_ptr<PendingResponse> pending = deferred->pending();
    deferred->release();

    auto let_go_before = std::make_shared<std::promise<bool>>();
    std::future<bool> reported = let_go_before->get_future();
    {
        OwningCallback callback(OwningCallback::After(plugin_let_go, let_go_before), std::move(deferred));
        repository.call_later(kFirstNames, "first", std::function<void(std::string)>(std::move(callback)));
    }  // the moved-from callback reports nothing: its After is moved from

    ASSERT_EQ(reported.wait_for(test_support::scaled(std::chrono::seconds(5))), std::future_status::ready);
    EXPECT_FALSE(reported.get()) << "the plugin was let go of while its callback's code still ran";
    EXPECT_TRUE(test_support::eventually([&] { return plugin_let_go->load(); }));
    EXPECT_EQ(pending->take().body, "first_first,first_second Executed");
}

}  // namespace
}  // namespace plugin_host
