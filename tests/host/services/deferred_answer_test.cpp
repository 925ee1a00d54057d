// Answers that come later (contract 2.2) through the real dispatcher and execution service,
// with a plugin that defers (tests/plugins/deferring_plugin.cpp) and filters made in the
// test: the before-hooks run at once, the checks, counted_as and after-hooks when the plugin
// completes, on its thread; a bad status then is a 500, a dropped Deferred too, logged
// naming the plugin; and the plugin's code stays loaded while a Deferred of it lives.
#include "routing/request_dispatcher.hpp"

#include <gtest/gtest.h>

#include "http/pending_response.hpp"
#include "plugins/loaded_plugin.hpp"
#include "plugins/plugin_loader.hpp"
#include "plugins/plugin_manager.hpp"
#include "services/repository_service.hpp"
#include "services/timer_thread.hpp"
#include "support/eventually.hpp"
#include "support/log_capture.hpp"
#include "support/plugin_files.hpp"
#include "support/temp_dir.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <future>
#include <mutex>
#include <thread>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;

/// Holds `timer`'s thread until the returned promise is set: a call_later() made meanwhile
/// cannot complete before the test lets it.
std::shared_ptr<std::promise<void>> hold(TimerThread& timer) {
    auto gate = std::make_shared<std::promise<void>>();
    auto entered = std::make_shared<std::promise<void>>();
    timer.schedule_after(0ms, [opened = gate->get_future().share(), entered] {
        entered->set_value();
        opened.wait();
    });
    entered->get_future().wait();
    return gate;
}

/// What `pending` is answered, once ready, and the thread `ready` ran on.
struct Ready {
    HttpResponse answer;
    std::thread::id thread;
};

/// Waits for `pending` as the connection will: when_ready() given at once, on construction.
class Waiter {
public:
    explicit Waiter(PendingResponse& pending) : pending_(pending) {
        auto ready = std::make_shared<std::promise<std::thread::id>>();
        done_ = ready->get_future();
        pending_.when_ready([ready] { ready->set_value(std::this_thread::get_id()); });
    }
    /// The answer; status 0 if it is not ready within 5 s.
    Ready get() {
        if (done_.wait_for(test_support::scaled(5s)) != std::future_status::ready) {
            HttpResponse none;
            none.status = 0;
            return {none, {}};
        }
        const std::thread::id thread = done_.get();
        return {pending_.take(), thread};
    }

private:
    PendingResponse& pending_;
    std::future<std::thread::id> done_;
};

Ready wait_for(PendingResponse& pending) { return Waiter(pending).get(); }

std::vector<std::string> values(const HttpResponse& response, const std::string& name) {
    std::vector<std::string> found;
    for (const auto& [key, value] : response.headers) {
        if (key == name) found.push_back(value);
    }
    return found;
}

class DeferredAnswerTest : public ::testing::Test {
protected:
    DeferredAnswerTest() {
        load_.plugin->open();  // as the manager does once the version has started
        publish({});
    }
    // The timer may still hold a finished callback, and in it a Deferred of the plugin: it
    // goes first, while load_ keeps the plugin loaded (in the host, the manager always does).
    ~DeferredAnswerTest() override { timer_->stop(); }

    /// A filter on every path that writes "<name>>" before and "<<name" after into the trace,
    /// and adds X-Seen-By "<name>:<status>:<request's X-Trace>" to the answer.
    std::shared_ptr<const Filter> tracing(const std::string& name) {
        return std::make_shared<const Filter>(Filter{
            nullptr, name, {}, RouteTemplate::parse("/{rest...}"),
            [this, name](const plugin_api::Request&, plugin_api::Response&) {
                trace(name + ">");
                return plugin_api::FilterResult::proceed;
            },
            [this, name](const plugin_api::Request& request, plugin_api::Response& response) {
                trace("<" + name);
                response.add_header("X-Seen-By", name + ":" + std::to_string(response.status()) + ":" +
                                                     std::string(request.header("X-Trace").value_or("none")));
            }});
    }

    void publish(std::vector<std::shared_ptr<const Filter>> filters) {
        router_.publish(std::make_shared<const RouteTable>(load_.endpoints, std::move(filters)));
    }

    /// POST `target` with X-Trace: `trace`; the request is gone once this returns.
    HttpResponse dispatch(const std::string& target, const std::string& trace = "t1") {
        HttpRequest request;
        request.head.setMethod("POST");
        const std::size_t query = target.find('?');
        request.path = target.substr(0, query);
        if (query != std::string::npos) request.query = target.substr(query + 1);
        request.head.add("X-Trace", trace);
        request.fields.emplace_back("X-Trace", trace);
        request.body = "some data";
        std::string address = "127.0.0.1:4321";
        request.client_address = address;
        return dispatcher_.dispatch(request);
    }

    void trace(const std::string& step) {
        std::lock_guard lock(trace_mutex_);
        trace_ += step;
    }
    std::string traced() {
        std::lock_guard lock(trace_mutex_);
        return trace_;
    }

    test_support::LogCapture log_;
    std::shared_ptr<TimerThread> timer_ = std::make_shared<TimerThread>();
    PluginServices services_{std::make_shared<RepositoryService>(0ms, Poco::Logger::get("test.repository"), timer_)};
    PluginLoad load_ = load_plugin(test_support::plugin_config("deferring", test_paths::kDeferringPlugin),
                                   test_paths::kDeferringPlugin, 1, services_);
    Router router_;
    ExecutionService execution_{Poco::Logger::get("test.execution")};
    RequestMetrics metrics_;
    RequestDispatcher dispatcher_{router_, execution_, metrics_, Poco::Logger::get("test.filters")};
    std::mutex trace_mutex_;
    std::string trace_;
};

TEST_F(DeferredAnswerTest, CompletedOnAnotherThreadTheAnswerHasTheAfterHooksAppliedThere) {
    publish({tracing("outer"), tracing("inner")});
    const auto gate = hold(*timer_);
    const HttpResponse response = dispatch("/later?status=201");  // the request is gone from here on
    ASSERT_TRUE(response.pending);
    EXPECT_EQ(response.pending->owner(), "deferring");
    EXPECT_EQ(traced(), "outer>inner>");  // before-hooks only, so far
    EXPECT_FALSE(log_.contains("test.execution: Finished deferring"));
    EXPECT_TRUE(log_.contains("test.execution: Starting deferring"));

    Waiter waiter(*response.pending);  // before the timer goes on: `ready` then runs where the plugin completes
    gate->set_value();
    const Ready ready = waiter.get();
    EXPECT_NE(ready.thread, std::this_thread::get_id());  // the timer's
    EXPECT_EQ(ready.answer.status, 201);
    EXPECT_EQ(ready.answer.body, R"({"result":"later Executed"})");
    EXPECT_EQ(values(ready.answer, "X-Written"), (std::vector<std::string>{"before", "after"}));
    // Innermost first, each seeing the status, and the request's header read from its copy.
    EXPECT_EQ(values(ready.answer, "X-Seen-By"), (std::vector<std::string>{"inner:201:t1", "outer:201:t1"}));
    EXPECT_EQ(traced(), "outer>inner><inner<outer");
    EXPECT_EQ(ready.answer.counted_as, &metrics_.endpoint("POST", "/later"));
    EXPECT_FALSE(ready.answer.pending);
    EXPECT_TRUE(log_.contains("test.execution: Finished deferring"));
    EXPECT_TRUE(log_.contains("test.repository: Executing later with data: some data"));
}

TEST_F(DeferredAnswerTest, WithoutFiltersTheAnswerIsCountedUnderItsEndpoint) {
    const HttpResponse response = dispatch("/later");
    ASSERT_TRUE(response.pending);
    const Ready ready = wait_for(*response.pending);
    EXPECT_EQ(ready.answer.status, 200);
    EXPECT_EQ(ready.answer.body, R"({"result":"later Executed"})");
    EXPECT_EQ(ready.answer.counted_as, &metrics_.endpoint("POST", "/later"));
}

TEST_F(DeferredAnswerTest, AStatusOutside200To599AtCompletionIsA500AndTheFiltersSeeIt) {
    publish({tracing("outer")});
    const HttpResponse response = dispatch("/later?status=99");
    ASSERT_TRUE(response.pending);
    const Ready ready = wait_for(*response.pending);
    EXPECT_EQ(ready.answer.status, 500);
    EXPECT_EQ(ready.answer.body, R"({"error":"endpoint deferring failed"})");
    EXPECT_EQ(values(ready.answer, "X-Seen-By"), std::vector<std::string>{"outer:500:t1"});
    EXPECT_EQ(ready.answer.counted_as, &metrics_.endpoint("POST", "/later"));
    EXPECT_TRUE(log_.contains(
        "test.execution: Endpoint deferring failed: it answered the status 99, not one from 200 to 599"));
    EXPECT_FALSE(log_.contains("test.execution: Finished deferring"));
}

TEST_F(DeferredAnswerTest, ADroppedDeferredIsA500AtOnceAndTheLogNamesThePlugin) {
    publish({tracing("outer")});
    const HttpResponse response = dispatch("/drop");
    ASSERT_TRUE(response.pending);
    const Ready ready = wait_for(*response.pending);
    EXPECT_EQ(ready.answer.status, 500);
    EXPECT_EQ(ready.answer.body, R"({"error":"endpoint deferring failed"})");
    EXPECT_EQ(values(ready.answer, "X-Seen-By"), std::vector<std::string>{"outer:500:t1"});
    EXPECT_TRUE(
        log_.contains("test.execution: Endpoint deferring failed: it dropped its Deferred without completing it"));
}

TEST_F(DeferredAnswerTest, CompletedBeforeTheHandlerReturnedItIsReadyWhenDispatchReturns) {
    publish({tracing("outer")});
    const HttpResponse response = dispatch("/now");
    ASSERT_TRUE(response.pending);
    const Ready ready = wait_for(*response.pending);  // at once, on this thread
    EXPECT_EQ(ready.thread, std::this_thread::get_id());
    EXPECT_EQ(ready.answer.status, 202);  // the handler's set_status(500) after complete() is ignored
    EXPECT_EQ(values(ready.answer, "X-Seen-By"), std::vector<std::string>{"outer:202:t1"});
}

TEST_F(DeferredAnswerTest, AHandlerThatThrowsAfterDeferringIsA500Now) {
    const HttpResponse response = dispatch("/throws");
    EXPECT_FALSE(response.pending);
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.body, R"({"error":"endpoint deferring failed"})");
    EXPECT_TRUE(log_.contains("test.execution: Endpoint deferring failed: thrown after deferring"));
}

TEST_F(DeferredAnswerTest, AFiltersHookCannotDefer) {
    publish({std::make_shared<const Filter>(Filter{
        nullptr, "sneaky", {}, RouteTemplate::parse("/{rest...}"),
        [](const plugin_api::Request&, plugin_api::Response& response) {
            static_cast<void>(response.defer());
            return plugin_api::FilterResult::proceed;
        },
        nullptr})});
    const HttpResponse response = dispatch("/later");
    EXPECT_FALSE(response.pending);
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.body, R"({"error":"filter sneaky failed"})");
}

TEST_F(DeferredAnswerTest, TheSeedPluginsAnswerLaterWithTheSameBodyAndNoThreadWaits) {
    PluginLoad first = load_plugin(test_support::plugin_config("first", test_paths::kFirstPlugin),
                                   test_paths::kFirstPlugin, 1, services_);
    first.plugin->open();
    router_.publish(std::make_shared<const RouteTable>(first.endpoints));
    const auto gate = hold(*timer_);
    HttpRequest request;
    request.head.setMethod("POST");
    request.head.setContentType("application/json");
    request.path = "/first";
    request.body = R"({"info": {"sequence": "first"}})";
    const HttpResponse response = dispatcher_.dispatch(request);
    // dispatch() returned while the repository's work waits on the (held) timer.
    ASSERT_TRUE(response.pending);
    gate->set_value();
    const Ready ready = wait_for(*response.pending);
    EXPECT_EQ(ready.answer.status, 200);
    EXPECT_EQ(ready.answer.body, R"({"result":"first_first,first_second Executed"})");
    EXPECT_EQ(ready.answer.content_type, "application/json");

    request.body = "[";  // refused at once, not deferred
    const HttpResponse refused = dispatcher_.dispatch(request);
    EXPECT_FALSE(refused.pending);
    EXPECT_EQ(refused.status, 400);
}

/// The plugin's image, observed as the plugin manager's tests do: mapped while a Deferred of it lives.
class DeferredKeepsThePluginTest : public ::testing::Test {
protected:
    ~DeferredKeepsThePluginTest() override { timer_->stop(); }

    test_support::LogCapture log_;
    test_support::TempDir shadow_;
    std::shared_ptr<TimerThread> timer_ = std::make_shared<TimerThread>();
    std::shared_ptr<RepositoryService> repository_ =
        std::make_shared<RepositoryService>(0ms, Poco::Logger::get("test.repository"), timer_);
    Router router_;
    PluginManager manager_{router_, repository_, shadow_.path(), Poco::Logger::get("host.plugins")};
    ExecutionService execution_{Poco::Logger::get("test.execution")};
    RequestMetrics metrics_;
    RequestDispatcher dispatcher_{router_, execution_, metrics_};
};

TEST_F(DeferredKeepsThePluginTest, ARemovedPluginStaysLoadedWhileADeferredOfItLivesAndIsUnloadedAfter) {
    manager_.load_all({test_support::plugin_config("deferring", test_paths::kDeferringPlugin)});
    const auto gate = hold(*timer_);
    HttpRequest request;
    request.head.setMethod("POST");
    request.path = "/later";
    const HttpResponse response = dispatcher_.dispatch(request);
    ASSERT_TRUE(response.pending);

    const ReloadReport report = manager_.apply({});  // the plugin is removed: no route holds it
    EXPECT_EQ(report.removed, std::vector<std::string>{"deferring"});
    EXPECT_EQ(router_.find("POST", "/later").outcome, RouteTable::Outcome::not_found);
    EXPECT_EQ(manager_.unload_drained(), 1u);  // the Deferred, in the timer's queue, holds it
    EXPECT_EQ(test_support::mapped_files_under(manager_.shadow_folder()), 1u);

    gate->set_value();
    const Ready ready = wait_for(*response.pending);
    EXPECT_EQ(ready.answer.status, 200);
    EXPECT_EQ(ready.answer.body, R"({"result":"later Executed"})");
    // The timer lets go of the callback, and with it the Deferred, once it has returned.
    EXPECT_TRUE(test_support::eventually([this] { return manager_.unload_drained() == 0; }));
    EXPECT_EQ(test_support::mapped_files_under(manager_.shadow_folder()), 0u);
    EXPECT_TRUE(log_.contains("host.plugins: Unloaded plugin 'deferring' generation 1"));
}

}  // namespace
}  // namespace plugin_host
