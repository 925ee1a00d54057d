#pragma once

#include "contract/plugin_response.hpp"
#include "http/http_exchange.hpp"
#include "routing/endpoint.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <Poco/Logger.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace plugin_host {

class PendingResponse;

/// The host's Deferred (contract 2.2): an answer a handler completes after it has returned.
/// Made by PluginResponse::defer() on the request thread; then shared by the plugin, which
/// writes the response and completes it from any thread, and the host, which adds what
/// applies to the answer after the handler (then()) while the request unwinds and release()s
/// it once all that is known.
///
/// On completion it applies what the synchronous path applies once a handler returns: the
/// execution service's checks (checked_answer(): a status outside 200-599 or a header the
/// host does not take is a 500 naming the plugin, "Finished <plugin>" otherwise), then the
/// steps in the order added (the dispatcher's counted_as, the filters' after-hooks), and
/// hands the result to its PendingResponse, all on the thread that completes it (or on the
/// request thread in release(), if the plugin completed before the request had unwound).
/// Dropped without complete(): a 500 at once, logged naming the plugin. It holds the route's
/// Endpoint, and so the plugin's code, for as long as it lives, and, destroyed inside a
/// PluginCodeScope, until that scope closes.
class PluginDeferred final : public plugin_api::Deferred, public std::enable_shared_from_this<PluginDeferred> {
public:
    using Step = std::function<void(HttpResponse&)>;

    /// `so_far`: what the handler wrote before it deferred; `problem`: what it did wrong then.
    PluginDeferred(Poco::Logger& logger, std::shared_ptr<const Endpoint> endpoint, HttpResponse so_far,
                   std::string problem);
    ~PluginDeferred();
    PluginDeferred(const PluginDeferred&) = delete;
    PluginDeferred& operator=(const PluginDeferred&) = delete;

    plugin_api::Response& response() override { return locked_; }
    void complete() override;

    /// What the connection waits on.
    const std::shared_ptr<PendingResponse>& pending() const { return pending_; }

    /// Adds a step applied to the answer at completion, after those added before. Only on the
    /// request thread, before release().
    void then(Step step) { steps_.push_back(std::move(step)); }

    /// The request thread, once every step is added: from now on complete() finishes the
    /// answer; if it came already, the answer is finished here, now.
    void release();

    /// The request thread, instead of release(), when the request was answered otherwise (the
    /// handler threw after deferring): whatever the plugin does with it later is ignored.
    void disown();

private:
    /// The plugin's view of the response: each call under the mutex, ignored once completed.
    class LockedResponse final : public plugin_api::Response {
    public:
        explicit LockedResponse(PluginDeferred& owner) : owner_(owner) {}
        void set_status(int status) override;
        void set_header(std::string_view name, std::string_view value) override;
        void add_header(std::string_view name, std::string_view value) override;
        void set_content_type(std::string_view content_type) override;
        void set_body(std::string body) override;
        int status() const override;
        std::shared_ptr<plugin_api::Deferred> defer() override { return owner_.shared_from_this(); }

    private:
        template <typename Write>
        void write(Write&& write);
        PluginDeferred& owner_;
    };

    enum class State {
        open,       ///< the plugin may write; not completed
        requested,  ///< complete() came before release(): release() finishes it
        finished,   ///< answered (or disowned): nothing more happens
    };

    /// Makes the answer and hands it to pending_; `dropped`: the plugin let go without complete().
    void finish(bool dropped);

    Poco::Logger& logger_;
    std::shared_ptr<const Endpoint> endpoint_;  // keeps the plugin's code loaded; let go in the destructor only
    const std::shared_ptr<PendingResponse> pending_;
    mutable std::mutex mutex_;
    HttpResponse response_;
    PluginResponse writer_;
    LockedResponse locked_;
    State state_ = State::open;
    bool released_ = false;
    std::vector<Step> steps_;
};

}  // namespace plugin_host
