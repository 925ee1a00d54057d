#pragma once

#include <Poco/FileChannel.h>
#include <Poco/Message.h>
#include <Poco/SimpleFileChannel.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>

namespace plugin_host {

/// Tells standard error, in one line, that the log file `path` cannot be written (`reason`),
/// or (empty reason) that it can again and how many messages were `dropped` meanwhile.
void report_log_file_state(const std::string& path, const std::string& reason, std::uint64_t dropped);

/// A log file that can be closed and opened again by its path (after logrotate has moved it).
class ReopenableLogFile {
public:
    /// Closes the file; the next message opens it again by its path. Any thread.
    virtual void reopen() = 0;

protected:
    ReopenableLogFile();  ///< registers itself for reopen_log_files()
    ~ReopenableLogFile();
    /// Unregisters; the derived class calls it first thing in its destructor, so that no
    /// reopen() reaches it half destroyed.
    void stop_reopening();
};

/// Reopens every log file the process writes (SIGUSR1, as nginx does, for logrotate's
/// postrotate): each GuardedFileChannel closes its file and opens it again by its path with
/// its next message. Returns how many. Any thread (the signal thread).
std::size_t reopen_log_files();

/// A Poco file channel (FileChannel or SimpleFileChannel) that never lets a failure to write
/// its file escape into the thread that logs. Poco's own file channels throw from log()
/// when the file cannot be opened or written (a missing or read-only folder, a full disk):
/// on a request thread that fails the request; on an AsyncChannel's thread it ends the
/// thread, and the channel's queue then grows without bound.
///
/// While the file cannot be written, messages to it are dropped and counted; the file is
/// tried again at most once a second. The failure and the recovery are each reported once
/// on standard error. Called concurrently by any thread that logs; reopen() by any thread.
template <class FileChannelType>
class GuardedFileChannel final : public FileChannelType, public ReopenableLogFile {
public:
    void reopen() override {
        const std::lock_guard lock(file_mutex_);
        FileChannelType::close();
        retry_at_ = 0;  // a file that could not be written is tried again at once
    }

    void log(const Poco::Message& message) override {
        const auto now = Clock::now().time_since_epoch().count();
        if (now < retry_at_.load(std::memory_order_relaxed)) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        try {
            // Poco's file channels open the file and then write it under two separate locks:
            // a close() in between would leave the write without a file.
            const std::lock_guard lock(file_mutex_);
            FileChannelType::log(message);
        } catch (const std::exception& error) {
            retry_at_ = (Clock::now() + kRetryAfter).time_since_epoch().count();
            dropped_.fetch_add(1, std::memory_order_relaxed);
            if (!failing_.exchange(true)) report_log_file_state(this->path(), describe(error), 0);
            return;
        }
        if (failing_.load(std::memory_order_relaxed) && failing_.exchange(false)) {
            report_log_file_state(this->path(), {}, dropped_.exchange(0));
        }
    }

private:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kRetryAfter{1};

    static std::string describe(const std::exception& error) {
        if (const auto* poco = dynamic_cast<const Poco::Exception*>(&error)) return poco->displayText();
        return error.what();
    }

    ~GuardedFileChannel() override { stop_reopening(); }

    std::mutex file_mutex_;  ///< between log() and reopen()
    std::atomic<Clock::rep> retry_at_{0};
    std::atomic<bool> failing_{false};
    std::atomic<std::uint64_t> dropped_{0};
};

/// Rewrites the logging configuration (`logging.channels.<name>.class` and
/// `logging.loggers.<name>.channel.class`) so that Poco's LoggingConfigurator creates a
/// GuardedFileChannel wherever it says FileChannel or SimpleFileChannel, and registers
/// those classes with Poco's LoggingFactory. Called by the application, on its main thread,
/// before it configures logging. A rewrite, because the factory cannot take the guarded
/// classes under Poco's own names: Poco 1.11's LoggingFactory registers a name once and has
/// no way to unregister or replace it.
void guard_log_files(Poco::Util::AbstractConfiguration& configuration);

}  // namespace plugin_host
