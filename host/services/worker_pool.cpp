#include "services/worker_pool.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace plugin_host {

struct WorkerPool::Worker {
    explicit Worker(WorkerPool& pool) : owner(pool) {}

    WorkerPool& owner;
    pthread_t handle{};            ///< set by add_worker(); read by stop() only
    std::condition_variable wake;  ///< with the owner's mutex_
    Task task;                     ///< the task handed over, empty when none; guarded by mutex_
};

namespace {

/// An exception leaving a task is a bug in it: noexcept turns it into std::terminate here,
/// at the throw, rather than somewhere in pthread's unwinding.
void call(const WorkerPool::Task& task) noexcept { task(); }

}  // namespace

WorkerPool::WorkerPool(const Limits& limits) : limits_(limits) {}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::run(Task task, std::string& refused) {
    std::unique_lock lock(mutex_);
    if (stopping_) return false;
    if (idle_.empty()) {
        if (workers_.size() >= limits_.limit) return false;
        refused = add_worker(lock, task);
        if (!refused.empty()) return false;
    } else {
        Worker* worker = idle_.back();
        idle_.pop_back();
        worker->task = std::move(task);
        ++busy_;
        run_count_.fetch_add(1, std::memory_order_relaxed);
        lock.unlock();
        // After the lock: woken under it, the worker would at once wait for the lock again,
        // one more thread switch a request. A worker that retires keeps its Worker (retired_),
        // so the condition variable outlives this call even if the worker has run the task,
        // gone idle and retired already.
        worker->wake.notify_one();
        return true;
    }
    run_count_.fetch_add(1, std::memory_order_relaxed);
    return true;
}

std::string WorkerPool::add_worker(std::unique_lock<std::mutex>& lock, Task& first) {
    // Registered before it starts, so that stop() waits for it; made without the lock, so
    // that a thread being made (a kernel call of a hundred microseconds or more) holds up
    // neither the tasks handed over meanwhile nor the threads becoming idle.
    auto owned = std::make_unique<Worker>(*this);
    Worker* const worker = owned.get();
    worker->task = std::move(first);
    ++busy_;
    workers_.push_back(std::move(owned));
    ++starting_;
    lock.unlock();
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, limits_.stack_bytes);
    const int failed = pthread_create(&worker->handle, &attributes, start, worker);
    pthread_attr_destroy(&attributes);
    lock.lock();
    --starting_;
    if (starting_ == 0) all_started_.notify_all();
    if (failed != 0) {
        --busy_;
        first = std::exchange(worker->task, nullptr);  // destroyed by run()'s caller, outside the lock
        std::erase_if(workers_, [worker](const std::unique_ptr<Worker>& each) { return each.get() == worker; });
        return std::string("cannot start a worker thread: ") + std::strerror(failed);
    }
    return "";
}

void* WorkerPool::start(void* worker) {
    ::pthread_setname_np(::pthread_self(), "ph-worker");  // what top -H and perf show
    auto& self = *static_cast<Worker*>(worker);
    self.owner.work(self);
    return nullptr;
}

void WorkerPool::work(Worker& worker) {
    std::unique_lock lock(mutex_);
    for (;;) {
        // Idle (a new worker starts with its first task): wait for a task, or retire.
        const auto retire_at = std::chrono::steady_clock::now() + limits_.retire_after;
        while (!worker.task && !stopping_) {
            if (workers_.size() <= limits_.keep) {
                worker.wake.wait(lock);
            } else if (worker.wake.wait_until(lock, retire_at) == std::cv_status::timeout && !worker.task &&
                       !stopping_ && workers_.size() > limits_.keep) {
                retire(lock, worker);
                return;
            }
        }
        if (!worker.task) return;  // stopping, and idle
        {
            const Task task = std::exchange(worker.task, nullptr);
            lock.unlock();
            call(task);
        }  // the task's captures are destroyed here, outside the lock, before the thread is idle
        lock.lock();
        --busy_;
        if (stopping_) return;
        idle_.push_back(&worker);
    }
}

void WorkerPool::retire(std::unique_lock<std::mutex>& lock, Worker& worker) {
    std::erase(idle_, &worker);
    const std::optional<pthread_t> previous = std::exchange(last_retired_, pthread_self());
    // Kept, not destroyed: run() may still be notifying its condition variable.
    const auto found = std::find_if(workers_.begin(), workers_.end(),
                                    [&worker](const std::unique_ptr<Worker>& each) { return each.get() == &worker; });
    retired_.push_back(std::move(*found));
    workers_.erase(found);
    lock.unlock();
    // Nothing of the pool is touched from here on: stop() may be joining this thread.
    if (previous) pthread_join(*previous, nullptr);
}

std::size_t WorkerPool::threads() const {
    std::lock_guard lock(mutex_);
    return workers_.size();
}

std::size_t WorkerPool::busy() const {
    std::lock_guard lock(mutex_);
    return busy_;
}

void WorkerPool::stop() {
    std::lock_guard one_at_a_time(stop_mutex_);
    std::optional<pthread_t> retired;
    {
        std::unique_lock lock(mutex_);
        stopping_ = true;
        idle_.clear();
        all_started_.wait(lock, [this] { return starting_ == 0; });
        // Every thread, not only the idle ones: one made just now may not be idle yet.
        for (const auto& worker : workers_) worker->wake.notify_one();
        retired = std::exchange(last_retired_, std::nullopt);
    }
    // Once stopping_ is set and no thread is starting, no worker is added and none retires:
    // workers_ no longer changes, and is read here without the lock.
    for (const auto& worker : workers_) pthread_join(worker->handle, nullptr);
    // It joined the one retired before it, and so on down the chain.
    if (retired) pthread_join(*retired, nullptr);
    std::lock_guard lock(mutex_);
    workers_.clear();
    retired_.clear();
}

}  // namespace plugin_host
