#include "contract/plugin_deferred.hpp"

#include "contract/plugin_code_scope.hpp"
#include "http/pending_response.hpp"
#include "services/execution_service.hpp"

#include <Poco/Exception.h>

namespace plugin_host {

PluginDeferred::PluginDeferred(Poco::Logger& logger, std::shared_ptr<const Endpoint> endpoint, HttpResponse so_far,
                               std::string problem)
    : logger_(logger),
      endpoint_(std::move(endpoint)),
      pending_(std::make_shared<PendingResponse>(endpoint_->plugin_name)),
      response_(std::move(so_far)),
      writer_(response_),
      locked_(*this) {
    writer_.inherit_problem(std::move(problem));
}

PluginDeferred::~PluginDeferred() {
    bool dropped = false;
    {
        std::lock_guard lock(mutex_);
        dropped = state_ == State::open && released_;  // not released: the host answered otherwise
    }
    if (dropped) finish(true);
    PluginCodeScope::release(std::move(endpoint_));
}

void PluginDeferred::complete() {
    {
        std::lock_guard lock(mutex_);
        if (state_ != State::open) return;
        if (!released_) {
            state_ = State::requested;  // the request is still unwinding: release() finishes it
            return;
        }
    }
    finish(false);
}

void PluginDeferred::release() {
    {
        std::lock_guard lock(mutex_);
        released_ = true;
        if (state_ != State::requested) return;
    }
    finish(false);
}

void PluginDeferred::disown() {
    std::lock_guard lock(mutex_);
    state_ = State::finished;
}

void PluginDeferred::finish(bool dropped) {
    HttpResponse answer;
    {
        std::lock_guard lock(mutex_);
        if (state_ == State::finished) return;
        state_ = State::finished;
        answer = std::move(response_);
    }
    const std::string& plugin = endpoint_->plugin_name;
    if (dropped) {
        answer = endpoint_failed(logger_, plugin, ": it dropped its Deferred without completing it");
    } else {
        answer = checked_answer(logger_, plugin, writer_, std::move(answer));
    }
    for (const Step& step : steps_) {
        try {
            step(answer);
        } catch (...) {
            answer = error_response(500, "internal error");
        }
    }
    steps_.clear();  // what they hold (the request, the filters) goes now, not with the plugin's last reference
    if (!pending_->complete(std::move(answer))) {
        logger_.warning("Endpoint " + plugin + " completed its answer after the host had answered 500 in its place");
    }
}

template <typename Write>
void PluginDeferred::LockedResponse::write(Write&& write) {
    std::lock_guard lock(owner_.mutex_);
    if (owner_.state_ == State::open) write(owner_.writer_);
}

void PluginDeferred::LockedResponse::set_status(int status) {
    write([&](PluginResponse& writer) { writer.set_status(status); });
}

void PluginDeferred::LockedResponse::set_header(std::string_view name, std::string_view value) {
    write([&](PluginResponse& writer) { writer.set_header(name, value); });
}

void PluginDeferred::LockedResponse::add_header(std::string_view name, std::string_view value) {
    write([&](PluginResponse& writer) { writer.add_header(name, value); });
}

void PluginDeferred::LockedResponse::set_content_type(std::string_view content_type) {
    write([&](PluginResponse& writer) { writer.set_content_type(content_type); });
}

void PluginDeferred::LockedResponse::set_body(std::string body) {
    write([&](PluginResponse& writer) { writer.set_body(std::move(body)); });
}

int PluginDeferred::LockedResponse::status() const {
    std::lock_guard lock(owner_.mutex_);
    return owner_.writer_.status();
}

}  // namespace plugin_host
