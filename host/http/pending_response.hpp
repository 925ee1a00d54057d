#pragma once

#include "http/http_exchange.hpp"

#include <functional>
#include <mutex>
#include <string>

namespace plugin_host {

/// An answer that comes after its handler has returned. Shared by the connection that waits for it and the plugin's Deferred.
///
/// How the two sides use it (contract 2.2, Response::defer()):
/// - The dispatcher returns an HttpResponse whose `pending` is set. The connection calls
///   when_ready() once, with what sends the answer, and arms its own deadline ([server]
///   deferred_timeout_ms); at the deadline it calls expire() with the 500 it sends instead,
///   and logs it naming owner(). In `ready` (or once it has run) it calls take() and sends
///   that.
/// - The host's Deferred (PluginDeferred) calls complete() with the finished answer, on the
///   plugin's thread, once the plugin completes it (or drops it).
/// The first of complete() and expire() decides the answer; `ready` runs once, right after,
/// on the thread that decided it, outside the lock.
class PendingResponse {
public:
    explicit PendingResponse(std::string owner);  // the plugin's name, for the log
    PendingResponse(const PendingResponse&) = delete;
    PendingResponse& operator=(const PendingResponse&) = delete;

    const std::string& owner() const { return owner_; }

    /// Any thread: the answer. The first of complete() and expire() wins; false if this one came second.
    bool complete(HttpResponse response);

    /// The connection at its deadline: the answer becomes `fallback` unless it came; true if it expired.
    bool expire(HttpResponse fallback);

    /// The connection, once: `ready` runs exactly once, when complete() or expire() wins, on the thread that calls it; or at once, on the caller's thread, if one already has.
    void when_ready(std::function<void()> ready);

    /// After ready: the answer (moved out).
    HttpResponse take();

private:
    /// complete() and expire(): `answer` wins unless one came before it.
    bool decide(HttpResponse&& answer);

    const std::string owner_;
    std::mutex mutex_;
    bool decided_ = false;
    HttpResponse answer_;
    std::function<void()> ready_;
};

}  // namespace plugin_host
