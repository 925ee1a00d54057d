#include "http/pending_response.hpp"

#include <utility>

namespace plugin_host {

PendingResponse::PendingResponse(std::string owner) : owner_(std::move(owner)) {}

bool PendingResponse::decide(HttpResponse&& answer) {
    std::function<void()> ready;
    {
        std::lock_guard lock(mutex_);
        if (decided_) return false;
        decided_ = true;
        answer_ = std::move(answer);
        ready = std::move(ready_);
    }
    if (ready) ready();  // outside the lock: it may take() at once
    return true;
}

bool PendingResponse::complete(HttpResponse response) { return decide(std::move(response)); }

bool PendingResponse::expire(HttpResponse fallback) { return decide(std::move(fallback)); }

void PendingResponse::when_ready(std::function<void()> ready) {
    {
        std::lock_guard lock(mutex_);
        if (!decided_) {
            ready_ = std::move(ready);
            return;
        }
    }
    ready();
}

HttpResponse PendingResponse::take() {
    std::lock_guard lock(mutex_);
    return std::move(answer_);
}

}  // namespace plugin_host
