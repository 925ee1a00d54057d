#include "app/thread_pool_warmer.hpp"

#include <chrono>

namespace plugin_host {

ThreadPoolWarmer::ThreadPoolWarmer(Poco::ThreadPool& pool, int count, Poco::Logger& logger, Shortfall shortfall)
    : pool_(pool), logger_(logger), shortfall_(std::move(shortfall)), thread_([this, count] { warm(count); }) {}

ThreadPoolWarmer::~ThreadPoolWarmer() {
    {
        std::lock_guard lock(mutex_);
        release_ = true;
    }
    counted_.notify_all();
    released_.notify_all();
    thread_.join();
}

void ThreadPoolWarmer::wait() {
    std::unique_lock lock(mutex_);
    counted_.wait(lock, [this] { return done_; });
}

void ThreadPoolWarmer::warm(int count) {
    const auto started = std::chrono::steady_clock::now();
    int holding = 0;
    std::string refused;  // why the system made no more threads
    for (; holding < count; ++holding) {
        {
            std::lock_guard lock(mutex_);
            if (release_) break;
        }
        try {
            pool_.start(*this);
        } catch (const Poco::NoThreadAvailableException&) {
            break;
        } catch (const Poco::Exception& error) {  // "cannot start thread": a limit of the system's
            refused = error.displayText();
            break;
        }
    }
    std::unique_lock lock(mutex_);
    counted_.wait_for(lock, std::chrono::seconds(30), [this, holding] { return release_ || arrived_ == holding; });
    release_ = true;
    released_.notify_all();
    // Every task started must have come and gone: one still on its way into run() would
    // otherwise find this object destroyed.
    counted_.wait(lock, [this, holding] { return left_ == holding; });
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    const int threads = pool_.allocated();
    logger_.information(std::to_string(threads) + " connection threads ready after " + std::to_string(took.count()) +
                        " ms" + (refused.empty() ? "" : "; no more could be made: " + refused));
    if (!refused.empty() && shortfall_) shortfall_(threads);
    done_ = true;
    counted_.notify_all();
}

void ThreadPoolWarmer::run() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    counted_.notify_all();  // only the warmer thread (and wait()) listen here
    released_.wait(lock, [this] { return release_; });
    ++left_;
    counted_.notify_all();
}

}  // namespace plugin_host
