#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>

namespace plugin_host {

/// What the signal thread asks of the main thread: to stop (once and for good), or to
/// reload (the signals that arrive while a reload runs make one more). The signal thread
/// calls stop() and reload(); the main thread takes them with next(), and anyone may ask
/// stop_signal().
class MainRequests {
public:
    enum class Request { stop, reload };

    /// Returns false if a stop was asked for already.
    bool stop(int signal) {
        {
            std::lock_guard lock(mutex_);
            if (stop_signal_) return false;
            stop_signal_ = signal;
        }
        changed_.notify_all();
        return true;
    }

    void reload() {
        {
            std::lock_guard lock(mutex_);
            reload_ = true;
        }
        changed_.notify_all();
    }

    /// Waits for a request; a stop comes before a reload.
    Request next() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return stop_signal_ || reload_; });
        if (stop_signal_) return Request::stop;
        reload_ = false;
        return Request::reload;
    }

    /// The signal that asked for the stop, if one did.
    std::optional<int> stop_signal() const {
        std::lock_guard lock(mutex_);
        return stop_signal_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<int> stop_signal_;
    bool reload_ = false;
};

}  // namespace plugin_host
