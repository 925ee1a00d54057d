#include "services/timer_thread.hpp"

#include <pthread.h>

namespace plugin_host {

TimerThread::TimerThread() : thread_([this] { run(); }) {}

TimerThread::~TimerThread() { stop(); }

bool TimerThread::schedule_at(Clock::time_point when, std::function<void()> callback) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        const bool earliest = due_.empty() || when < due_.top().when;
        due_.push({when, scheduled_++, std::move(callback)});
        if (!earliest) return true;  // the thread wakes for an earlier one anyway
    }
    changed_.notify_one();
    return true;
}

void TimerThread::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    changed_.notify_one();
    if (thread_.joinable()) thread_.join();
    std::priority_queue<Entry, std::vector<Entry>, Later> dropped;
    {
        std::lock_guard lock(mutex_);
        dropped.swap(due_);
    }
    // `dropped` goes here, outside the lock: a callback's destructor may schedule (and is refused).
}

void TimerThread::run() {
    ::pthread_setname_np(::pthread_self(), "ph-timer");  // what top -H and perf show
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (due_.empty()) {
            changed_.wait(lock);
            continue;
        }
        // A callback due within kSlack of now runs now: the thread wakes once for those due
        // close together (thousands a second at twelve times the seed) instead of once each.
        if (const Clock::time_point next = due_.top().when; Clock::now() + kSlack < next) {
            // A copy: while the lock is released, schedule_at() may move the heap's entries.
            changed_.wait_until(lock, next);
            continue;
        }
        // priority_queue::top() is const: the callback is moved out through a const_cast of
        // an entry popped right after, never compared again.
        std::function<void()> callback = std::move(const_cast<Entry&>(due_.top()).callback);
        due_.pop();
        lock.unlock();
        try {
            callback();
        } catch (...) {
        }
        callback = nullptr;  // its captures go before the lock is taken again
        lock.lock();
    }
}

}  // namespace plugin_host
