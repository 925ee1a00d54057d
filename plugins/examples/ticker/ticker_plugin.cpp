// ticker: background work with a lifecycle (contract 2.1), the shape of a cache refresher
// or a connection pool's keeper.
//
// Its start hook starts a thread that refreshes a snapshot every `interval`; its stop hook
// ends that thread and joins it, before the host unloads the plugin: after a hot swap, once
// the old version's last request is done; at shutdown, after the drain. Its handler only
// reads the snapshot, so a request never waits for a refresh.
//
//   GET /ticker   200 {"generation_ticks":12,"interval_ms":1000,"refreshed_at_ms":1733500000123}
//
// Settings ([plugin.ticker]): interval (default 1s).
#include <plugin_api/endpoint_plugin.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace {

using plugin_api::Request;
using plugin_api::Response;

class TickerPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        interval_ = registrar.settings().duration("interval", std::chrono::seconds(1));
        if (interval_ <= std::chrono::milliseconds(0)) throw std::invalid_argument("[plugin.ticker] interval: must be above 0");
        logger_ = &registrar.logger();
        registrar.add_route("GET", "/ticker", [this](const Request&, Response& response) { answer(response); });
        registrar.on_lifecycle([this] { start(); }, [this] { stop(); });
    }

private:
    /// The host's thread, once, before the first request.
    void start() {
        refresh();
        worker_ = std::thread([this] { run(); });
        logger_->information("Started refreshing every " + std::to_string(interval_.count()) + " ms");
    }

    /// The host's thread, once, after the last request.
    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (worker_.joinable()) worker_.join();
        logger_->information("Stopped after " + std::to_string(ticks_) + " refreshes");
    }

    /// The worker thread: refreshes until stop().
    void run() {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
            lock.unlock();
            refresh();
            lock.lock();
        }
    }

    void refresh() {
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch());
        std::lock_guard lock(snapshot_mutex_);
        ++ticks_;
        refreshed_at_ms_ = now.count();
    }

    /// Request threads.
    void answer(Response& response) const {
        std::lock_guard lock(snapshot_mutex_);
        response.set_body(R"({"generation_ticks":)" + std::to_string(ticks_) + R"(,"interval_ms":)" +
                          std::to_string(interval_.count()) + R"(,"refreshed_at_ms":)" +
                          std::to_string(refreshed_at_ms_) + "}");
    }

    std::chrono::milliseconds interval_{1000};
    plugin_api::Logger* logger_ = nullptr;
    std::thread worker_;
    std::mutex mutex_;  ///< guards stopping_
    std::condition_variable wake_;
    bool stopping_ = false;
    mutable std::mutex snapshot_mutex_;  ///< guards ticks_ and refreshed_at_ms_
    std::uint64_t ticks_ = 0;
    std::int64_t refreshed_at_ms_ = 0;
};

}  // namespace

PLUGIN_API_EXPORT(TickerPlugin)
