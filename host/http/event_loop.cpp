#include "http/event_loop.hpp"

#include <Poco/Exception.h>

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <system_error>

namespace plugin_host {
namespace {

/// epoll_data of the eventfd: no wait has id 0.
constexpr std::uint64_t kWakeId = 0;

/// The loop the thread runs, set by run() for as long as it runs.
thread_local EventLoop* current_loop = nullptr;

}  // namespace

void EventLoop::Mailbox::post(std::function<void()> work) {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    const bool first = work_.empty();
    work_.push_back(std::move(work));
    // One wake-up for a batch: the loop takes everything posted when it wakes. Written under
    // the lock: the loop closes the mailbox under it before its eventfd is closed, so no
    // post can write to that descriptor (or to another file given its number) afterwards.
    if (first) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
    }
}

EventLoop::EventLoop(std::string name) : name_(std::move(name)) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw Poco::SystemException("cannot create an epoll instance", std::strerror(errno));
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
        ::close(epoll_fd_);
        throw Poco::SystemException("cannot create an eventfd", std::strerror(errno));
    }
    epoll_event wake{};
    wake.events = EPOLLIN;
    wake.data.u64 = kWakeId;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake);
    mailbox_.reset(new Mailbox(wake_fd_));
    thread_ = std::thread([this] { run(); });
}

EventLoop::~EventLoop() {
    stop();
    ::close(wake_fd_);
    ::close(epoll_fd_);
}

void EventLoop::stop() {
    if (!thread_.joinable()) return;
    stop_requested_.store(true);
    post([] {});  // wakes the thread
    thread_.join();
}

EventLoop::Wait EventLoop::readable(int descriptor, Clock::time_point deadline) {
    return Wait(*this, descriptor, EPOLLIN | EPOLLRDHUP, deadline);
}

EventLoop::Wait EventLoop::writable(int descriptor, Clock::time_point deadline) {
    return Wait(*this, descriptor, EPOLLOUT, deadline);
}

bool EventLoop::Wait::await_suspend(std::coroutine_handle<> waiter) {
    waiter_ = waiter;
    return loop_.arm(*this);
}

bool EventLoop::Resumable::await_suspend(std::coroutine_handle<> waiter) {
    if (!wait_.await_suspend(waiter)) return false;
    // Registered first, so that whoever on_suspend hands the id to finds the wait on.
    if (on_suspend_(wait_.id())) return true;
    wait_.loop_.waits_.erase(wait_.id());
    wait_.loop_.wait_count_.store(wait_.loop_.waits_.size(), std::memory_order_relaxed);
    declined_ = true;
    return false;
}

bool EventLoop::arm(Wait& wait) {
    wait.id_ = next_id_++;
    if (wait.descriptor_ >= 0) {
        epoll_event event{};
        event.events = wait.events_ | EPOLLONESHOT;
        event.data.u64 = wait.id_;
        // A socket is added at its first wait and stays; it is removed when it is closed.
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, wait.descriptor_, &event) != 0 &&
            (errno != ENOENT || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wait.descriptor_, &event) != 0)) {
            return false;
        }
    }
    waits_.emplace(wait.id_, &wait);
    wait_count_.store(waits_.size(), std::memory_order_relaxed);
    if (wait.deadline_ != Clock::time_point::max()) {
        deadlines_.push_back({wait.deadline_, wait.id_});
        std::push_heap(deadlines_.begin(), deadlines_.end(), std::greater<>());
    }
    return true;
}

void EventLoop::resume(std::uint64_t id) { end_wait(id, Woken::ready); }

EventLoop* EventLoop::current() { return current_loop; }

void EventLoop::run_at(Clock::time_point when, std::function<void()> callback) {
    timers_.push_back({when, timers_added_++, std::move(callback)});
    std::push_heap(timers_.begin(), timers_.end(), std::greater<>());
}

void EventLoop::run_timers() {
    // epoll_wait(2) counts whole milliseconds, rounded up: a timer would run up to 1 ms late.
    // Those due within kTimerSlack run now instead, up to that much early, as TimerThread's do.
    const Clock::time_point cutoff = Clock::now() + kTimerSlack;
    while (!timers_.empty() && timers_.front().at <= cutoff) {
        std::pop_heap(timers_.begin(), timers_.end(), std::greater<>());
        std::function<void()> callback = std::move(timers_.back().callback);
        timers_.pop_back();
        try {
            callback();
        } catch (...) {
        }
    }
}

void EventLoop::end_wait(std::uint64_t id, Woken woken) {
    const auto found = waits_.find(id);
    if (found == waits_.end()) return;  // ended already
    Wait& wait = *found->second;
    waits_.erase(found);
    wait_count_.store(waits_.size(), std::memory_order_relaxed);
    if (woken != Woken::ready && wait.descriptor_ >= 0) {
        // Still armed: no event of it may come after its coroutine has moved on.
        epoll_event unused{};
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, wait.descriptor_, &unused);
    }
    wait.woken_ = woken;
    wait.waiter_.resume();  // runs the connection until its next wait; `wait` may be gone after
}

void EventLoop::run_posted() {
    std::uint64_t count = 0;
    [[maybe_unused]] const ssize_t read = ::read(wake_fd_, &count, sizeof count);
    std::vector<std::function<void()>> work;
    {
        std::lock_guard lock(mailbox_->mutex_);
        work.swap(mailbox_->work_);
    }
    for (std::function<void()>& task : work) task();
}

int EventLoop::next_timeout_ms() {
    while (!deadlines_.empty() && !waits_.contains(deadlines_.front().id)) {
        std::pop_heap(deadlines_.begin(), deadlines_.end(), std::greater<>());
        deadlines_.pop_back();
    }
    if (deadlines_.empty() && timers_.empty()) return -1;
    Clock::time_point next = Clock::time_point::max();
    if (!deadlines_.empty()) next = deadlines_.front().at;
    if (!timers_.empty()) next = std::min(next, timers_.front().at - kTimerSlack);
    const auto left = next - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    return static_cast<int>(std::min<long long>(std::chrono::ceil<std::chrono::milliseconds>(left).count(), 3600 * 1000));
}

void EventLoop::expire_deadlines() {
    const Clock::time_point now = Clock::now();
    while (!deadlines_.empty() && deadlines_.front().at <= now) {
        const std::uint64_t id = deadlines_.front().id;
        std::pop_heap(deadlines_.begin(), deadlines_.end(), std::greater<>());
        deadlines_.pop_back();
        end_wait(id, Woken::timed_out);
    }
}

void EventLoop::run() {
    ::pthread_setname_np(::pthread_self(), name_.substr(0, 15).c_str());  // what top -H and perf show
    current_loop = this;
    std::array<epoll_event, 256> events{};
    for (;;) {
        if (stop_requested_.load() && !stopping_) {
            stopping_ = true;
            std::vector<std::uint64_t> ids;
            for (const auto& [id, wait] : waits_) ids.push_back(id);
            for (const std::uint64_t id : ids) end_wait(id, Woken::stopping);
        }
        if (stopping_ && waits_.empty()) {
            run_posted();
            if (waits_.empty()) break;
        }
        const int ready = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), next_timeout_ms());
        for (int i = 0; i < ready; ++i) {
            const std::uint64_t id = events[static_cast<std::size_t>(i)].data.u64;
            if (id == kWakeId) {
                run_posted();
            } else {
                end_wait(id, Woken::ready);
            }
        }
        expire_deadlines();
        run_timers();
    }
    // Before the mailbox closes: what a timer's destruction posts (a dropped Deferred's 500)
    // is dropped with the rest.
    std::vector<Timer>().swap(timers_);
    current_loop = nullptr;
    std::lock_guard lock(mailbox_->mutex_);
    mailbox_->closed_ = true;
    mailbox_->work_.clear();
}

}  // namespace plugin_host
