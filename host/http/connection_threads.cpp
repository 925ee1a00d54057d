#include "http/connection_threads.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>

namespace plugin_host {

struct ConnectionThreads::Worker {
    explicit Worker(ConnectionThreads& threads) : owner(threads) {}

    ConnectionThreads& owner;
    pthread_t handle{};
    std::condition_variable wake;                 ///< with the owner's mutex_
    std::optional<Poco::Net::StreamSocket> next;  ///< the connection handed over; guarded by mutex_
    bool joined = false;                          ///< only stop() touches it
};

ConnectionThreads::ConnectionThreads(std::size_t limit, std::size_t stack_bytes, Serve serve)
    : limit_(limit), stack_bytes_(stack_bytes), serve_(std::move(serve)) {}

ConnectionThreads::~ConnectionThreads() { stop(); }

bool ConnectionThreads::hand_over(const Poco::Net::StreamSocket& socket, std::string& refused) {
    std::unique_lock lock(mutex_);
    if (stopping_) return false;
    if (idle_.empty()) {
        if (workers_.size() >= limit_) return false;
        refused = add_worker(lock, &socket);
        if (!refused.empty()) return false;
    } else {
        Worker* worker = idle_.back();
        idle_.pop_back();
        worker->next = socket;
        ++busy_;
        lock.unlock();
        worker->wake.notify_one();
    }
    served_.fetch_add(1, std::memory_order_relaxed);
    return true;
}

std::string ConnectionThreads::add_worker(std::unique_lock<std::mutex>& lock, const Poco::Net::StreamSocket* first) {
    // Registered before it starts, so that stop() waits for it; made without the lock, so
    // that a thread being made (a kernel call of a hundred microseconds or more) holds up
    // neither the connections handed over meanwhile nor the threads becoming idle.
    auto owned = std::make_unique<Worker>(*this);
    Worker* const worker = owned.get();
    if (first) {
        worker->next = *first;
        ++busy_;
    }
    workers_.push_back(std::move(owned));
    ++starting_;
    lock.unlock();
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, stack_bytes_);
    const int failed = pthread_create(&worker->handle, &attributes, start, worker);
    pthread_attr_destroy(&attributes);
    lock.lock();
    --starting_;
    if (starting_ == 0) all_started_.notify_all();
    if (failed != 0) {
        if (first) --busy_;
        std::erase_if(workers_, [worker](const std::unique_ptr<Worker>& each) { return each.get() == worker; });
        return std::string("cannot start a connection thread: ") + std::strerror(failed);
    }
    if (!first && !stopping_) idle_.push_back(worker);
    return "";
}

void* ConnectionThreads::start(void* worker) {
    auto& self = *static_cast<Worker*>(worker);
    self.owner.run(self);
    return nullptr;
}

void ConnectionThreads::run(Worker& worker) {
    std::unique_lock lock(mutex_);
    for (;;) {
        worker.wake.wait(lock, [&] { return worker.next.has_value() || stopping_; });
        if (!worker.next) return;  // stopping, and idle
        {
            const Poco::Net::StreamSocket socket = std::move(*worker.next);
            worker.next.reset();
            lock.unlock();
            serve_(socket);
        }
        lock.lock();
        --busy_;
        if (stopping_) return;
        idle_.push_back(&worker);  // at once: the gate may already have admitted a connection in its place
        lock.unlock();
        release_unused_stack();
        lock.lock();
    }
}

void ConnectionThreads::prestart(std::size_t count, Prestarted done) {
    {
        std::lock_guard lock(prestarted_mutex_);
        prestart_done_ = false;
    }
    try {
        prestarter_ = std::thread([this, count, done = std::move(done)] {
            std::string refused;
            for (;;) {
                std::unique_lock lock(mutex_);
                if (stopping_ || workers_.size() >= std::min(count, limit_)) break;
                refused = add_worker(lock, nullptr);
                if (!refused.empty()) break;
            }
            done(threads(), refused);
            {
                std::lock_guard lock(prestarted_mutex_);
                prestart_done_ = true;
            }
            prestarted_.notify_all();
        });
    } catch (...) {
        std::lock_guard lock(prestarted_mutex_);
        prestart_done_ = true;
        throw;
    }
}

void ConnectionThreads::wait_prestarted() {
    std::unique_lock lock(prestarted_mutex_);
    prestarted_.wait(lock, [this] { return prestart_done_; });
}

std::size_t ConnectionThreads::threads() const {
    std::lock_guard lock(mutex_);
    return workers_.size();
}

std::size_t ConnectionThreads::busy() const {
    std::lock_guard lock(mutex_);
    return busy_;
}

void ConnectionThreads::stop() {
    {
        std::unique_lock lock(mutex_);
        stopping_ = true;
        idle_.clear();
        all_started_.wait(lock, [this] { return starting_ == 0; });
        // Every thread, not only the idle ones: one made just now may not be idle yet.
        for (const auto& worker : workers_) worker->wake.notify_one();
    }
    if (prestarter_.joinable()) prestarter_.join();
    // No worker is added once stopping_ is set and none is starting, so workers_ no longer changes.
    for (const auto& worker : workers_) {
        if (worker->joined) continue;
        pthread_join(worker->handle, nullptr);
        worker->joined = true;
    }
}

void release_unused_stack() {
    pthread_attr_t attributes;
    if (pthread_getattr_np(pthread_self(), &attributes) != 0) return;
    void* lowest = nullptr;
    std::size_t size = 0;
    const int got = pthread_attr_getstack(&attributes, &lowest, &size);
    pthread_attr_destroy(&attributes);
    if (got != 0) return;

    static const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    constexpr std::uintptr_t kMargin = 2048;  // for this function's own callees: madvise()
    const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    const std::uintptr_t start = (reinterpret_cast<std::uintptr_t>(lowest) + page - 1) & ~(page - 1);
    const std::uintptr_t end = (here - kMargin) & ~(page - 1);  // everything below is unused
    if (end > start) ::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
}

}  // namespace plugin_host
