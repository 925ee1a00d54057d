#include "plugins/plugin_watcher.hpp"

#include <Poco/Delegate.h>

namespace plugin_host {

using Clock = std::chrono::system_clock;

PluginWatcher::PluginWatcher(PluginManager& manager, Settings settings, Poco::Logger& logger)
    : manager_(manager), settings_(settings), logger_(logger) {}

PluginWatcher::~PluginWatcher() { stop(); }

void PluginWatcher::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard folders(folders_mutex_);
    folder_watchers_.clear();
}

void PluginWatcher::start() {
    refresh_folders();
    thread_ = std::thread([this] { run(); });
}

void PluginWatcher::refresh_folders() {
    if (!settings_.watch_folders) return;
    std::lock_guard folders(folders_mutex_);
    folder_watchers_.clear();
    if (stopping()) return;
    for (const std::filesystem::path& folder : manager_.plugin_folders()) {
        try {
            auto watcher = std::make_unique<Poco::DirectoryWatcher>(
                folder.string(), Poco::DirectoryWatcher::DW_FILTER_ENABLE_ALL);
            watcher->itemAdded += Poco::delegate(this, &PluginWatcher::on_folder_event);
            watcher->itemModified += Poco::delegate(this, &PluginWatcher::on_folder_event);
            watcher->itemMovedTo += Poco::delegate(this, &PluginWatcher::on_folder_event);
            watcher->scanError += Poco::delegate(this, &PluginWatcher::on_folder_error);
            folder_watchers_.push_back(std::move(watcher));
        } catch (const Poco::Exception& error) {
            logger_.warning("Cannot watch plugin folder " + folder.string() + ": " + error.displayText() +
                            "; changes there are noticed by the periodic check only");
        }
    }
}

bool PluginWatcher::stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
}

void PluginWatcher::on_folder_event(const Poco::DirectoryWatcher::DirectoryEvent&) {
    {
        std::lock_guard lock(mutex_);
        folder_event_ = true;
    }
    wake_.notify_all();
}

void PluginWatcher::on_folder_error(const Poco::Exception& error) {
    logger_.warning("Plugin folder watcher: " + error.displayText());
}

void PluginWatcher::run() {
    constexpr auto kDrainCheck = std::chrono::milliseconds(100);
    const bool polling = settings_.poll_interval.count() > 0;
    auto next_poll = Clock::now() + settings_.poll_interval;
    std::optional<Clock::time_point> recheck_at;
    std::string pending_trigger = "watcher";
    std::size_t draining = 0;

    std::unique_lock lock(mutex_);
    while (!stopping_) {
        auto deadline = Clock::now() + std::chrono::hours(1);
        if (polling) deadline = std::min(deadline, next_poll);
        if (recheck_at) deadline = std::min(deadline, *recheck_at);
        if (draining > 0) deadline = std::min(deadline, Clock::now() + kDrainCheck);
        wake_.wait_until(lock, deadline, [this] { return stopping_ || folder_event_; });
        if (stopping_) break;

        const bool by_watcher = std::exchange(folder_event_, false);
        const auto now = Clock::now();
        const bool poll_due = polling && now >= next_poll;
        const bool recheck_due = recheck_at && now >= *recheck_at;
        if (poll_due) next_poll = now + settings_.poll_interval;
        lock.unlock();

        if (by_watcher || poll_due || recheck_due) {
            const std::string trigger = by_watcher ? "watcher" : recheck_due ? pending_trigger : "periodic check";
            recheck_at.reset();
            manager_.reload_changed_files(settings_.settle, trigger, recheck_at);
            if (recheck_at) pending_trigger = trigger;
        }
        draining = manager_.unload_drained();
        lock.lock();
    }
}

}  // namespace plugin_host
