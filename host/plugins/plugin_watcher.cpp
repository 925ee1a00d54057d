#include "plugins/plugin_watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

namespace plugin_host {
namespace {

using Clock = std::chrono::system_clock;

/// A file in the folder created, written or moved in; or the folder itself removed or moved
/// away (its watch is then lost). Not attribute changes: a `touch` or a new hard link is no
/// new version.
constexpr std::uint32_t kFolderEvents =
    IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;

int milliseconds_until(Clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 3600 * 1000));
}

}  // namespace

PluginWatcher::PluginWatcher(PluginManager& manager, Settings settings, Poco::Logger& logger)
    : manager_(manager), settings_(settings), logger_(logger) {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot create the watcher's eventfd");
    if (settings_.watch_folders) {
        inotify_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (inotify_ < 0) {
            logger_.warning(std::string("Cannot watch the plugin folders (inotify: ") + std::strerror(errno) +
                            "); changes are noticed by the periodic check only");
        }
    }
}

PluginWatcher::~PluginWatcher() {
    stop();
    if (inotify_ >= 0) ::close(inotify_);
    ::close(wake_fd_);
}

void PluginWatcher::stop() {
    if (!thread_.joinable()) return;
    wake();  // the thread sees the stop, once it looks
    thread_.join();
}

void PluginWatcher::wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
}

void PluginWatcher::start() {
    refresh_folders();
    thread_ = std::thread([this] { run(); });
}

void PluginWatcher::refresh_folders() {
    if (inotify_ < 0) return;
    const std::vector<std::filesystem::path> wanted = manager_.plugin_folders();
    std::lock_guard folders(folders_mutex_);
    std::map<int, std::filesystem::path> watched;
    for (const std::filesystem::path& folder : wanted) {
        // For a folder already watched, the same watch comes back.
        const int watch = ::inotify_add_watch(inotify_, folder.c_str(), kFolderEvents);
        if (watch < 0) {
            if (unwatchable_.insert(folder).second) {
                logger_.warning("Cannot watch plugin folder " + folder.string() + ": " + std::strerror(errno) +
                                "; changes there are noticed by the periodic check only");
            }
            continue;
        }
        unwatchable_.erase(folder);
        watched.emplace(watch, folder);
    }
    for (const auto& [watch, folder] : watched_) {
        if (!watched.contains(watch)) ::inotify_rm_watch(inotify_, watch);
    }
    watched_ = std::move(watched);
}

bool PluginWatcher::read_folder_events() {
    alignas(inotify_event) std::array<char, 4096> buffer{};
    bool changed = false;
    for (;;) {
        const ssize_t got = ::read(inotify_, buffer.data(), buffer.size());
        if (got <= 0) return changed;  // EAGAIN: all read
        for (std::size_t at = 0; at < static_cast<std::size_t>(got);) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
            at += sizeof(inotify_event) + event->len;
            if (event->mask & IN_IGNORED) {  // the folder went away: the periodic check watches it again
                std::lock_guard folders(folders_mutex_);
                watched_.erase(event->wd);
            }
            changed = true;
        }
    }
}

void PluginWatcher::run() {
    constexpr auto kDrainCheck = std::chrono::milliseconds(100);
    const bool polling = settings_.poll_interval.count() > 0;
    auto next_poll = Clock::now() + settings_.poll_interval;
    std::optional<Clock::time_point> recheck_at;
    std::string pending_trigger = "watcher";
    std::size_t draining = 0;

    std::array<pollfd, 2> watched{pollfd{wake_fd_, POLLIN, 0}, pollfd{inotify_, POLLIN, 0}};
    const nfds_t count = inotify_ >= 0 ? 2 : 1;
    for (;;) {
        auto deadline = Clock::now() + std::chrono::hours(1);
        if (polling) deadline = std::min(deadline, next_poll);
        if (recheck_at) deadline = std::min(deadline, *recheck_at);
        if (draining > 0) deadline = std::min(deadline, Clock::now() + kDrainCheck);
        if (::poll(watched.data(), count, milliseconds_until(deadline)) < 0 && errno != EINTR) {
            logger_.error(std::string("Plugin watcher: poll failed: ") + std::strerror(errno));
        }
        if (watched[0].revents != 0) return;  // stop()

        const bool by_watcher = count == 2 && watched[1].revents != 0 && read_folder_events();
        const auto now = Clock::now();
        const bool poll_due = polling && now >= next_poll;
        const bool recheck_due = recheck_at && now >= *recheck_at;
        if (poll_due) {
            next_poll = now + settings_.poll_interval;
            refresh_folders();
        }
        if (by_watcher || poll_due || recheck_due) {
            const std::string trigger = by_watcher ? "watcher" : recheck_due ? pending_trigger : "periodic check";
            recheck_at.reset();
            manager_.reload_changed_files(settings_.settle, trigger, recheck_at);
            if (recheck_at) pending_trigger = trigger;
        }
        draining = manager_.unload_drained();
    }
}

}  // namespace plugin_host
