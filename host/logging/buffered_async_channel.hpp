#pragma once

#include "logging/spinning_mutex.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Formatter.h>
#include <Poco/Message.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <pthread.h>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace plugin_host {

/// A logging channel for request threads. log() appends the message to a buffer and
/// returns: no system call, no wake-up of another thread. A thread of its own writes the
/// buffered messages out every `interval_ms` (sooner once half of `capacity` is buffered),
/// off the request path. When `capacity` messages are waiting, further ones are dropped and
/// counted, and the count is logged with the next batch: a request thread never waits for
/// logging.
///
/// Where the messages go: with `stream = stdout` (the default, or stderr) the calling
/// thread formats each message with `format` (a Poco::PatternFormatter pattern) into one
/// shared text buffer, and the writer thread writes a whole batch with one write(2); with
/// `channel = <name>` the writer thread hands each message to that Poco channel (a
/// FileChannel, say), one by one.
///
/// Poco's AsyncChannel does the same job but wakes its thread for every message, and its
/// ConsoleChannel flushes every line: at four lines per request and thousands of requests
/// a second, that cost more than the requests themselves.
///
/// Configured like Poco's channels, in server.ini, before the first message:
///   [logging.channels.buffered]
///   class = BufferedAsyncChannel
///   stream = stdout          ; or: channel = <name of another channel>
///   format = %Y-%m-%d %H:%M:%S.%i [%p] %s: %t
///   interval_ms = <1 to 10000>
///   capacity = <messages, at least 16>
/// interval_ms and capacity default to interval_'s and capacity_'s initializers below, the
/// one place they are stated; config/server.ini shows them, checked by a test.
/// register_buffered_async_channel() makes the class known to Poco's LoggingFactory.
class BufferedAsyncChannel final : public Poco::Channel {
public:
    BufferedAsyncChannel();

    void setProperty(const std::string& name, const std::string& value) override;
    std::string getProperty(const std::string& name) const override;

    /// Any thread. Never blocks on the target.
    void log(const Poco::Message& message) override;

    /// Whether log_line() can be used: the channel writes to a stream in the default format.
    bool writes_default_lines() const { return default_lines_.load(std::memory_order_relaxed); }

    /// Any thread, when writes_default_lines(): logs `text` from `source` at `priority`,
    /// stamped now, without building a Poco::Message (see plugin_host::log_line()).
    void log_line(std::string_view source, Poco::Message::Priority priority, std::string_view text);

    /// Hands every buffered message to the target and stops the thread. Messages logged
    /// afterwards are written at once, by the thread that logs them.
    void close() override;

    /// Hands messages to `target` instead of writing them to a stream.
    void setChannel(Poco::Channel::Ptr target);

protected:
    ~BufferedAsyncChannel() override;

private:
    void run();
    /// Starts the writer thread with the first message. False once closed, or if the system
    /// cannot make the thread: then the caller writes the message itself. Caller holds mutex_.
    bool writer_running();
    /// Appends one formatted line (with its newline) to the text buffer, or counts it dropped.
    void enqueue_line(const std::string& line);
    static void deliver(Poco::Channel& target, const std::vector<Poco::Message>& batch);
    static void write_all(int fd, const std::string& text);
    void update_default_lines();  // caller holds mutex_

    SpinningMutex mutex_;  ///< held a few dozen nanoseconds by log(), from every request thread
    std::condition_variable_any wake_;
    std::string pending_text_;              ///< stream mode: formatted lines
    std::vector<Poco::Message> pending_;    ///< channel mode: messages for target_
    std::size_t pending_count_ = 0;         ///< lines or messages waiting
    std::size_t dropped_ = 0;
    bool stopping_ = false;
    Poco::Channel::Ptr target_;
    std::atomic<int> stream_fd_{1};  ///< 1 or 2 when writing to stdout or stderr, -1 with a target channel
    Poco::AutoPtr<Poco::Formatter> formatter_;
    std::string format_;                    ///< the pattern formatter_ was made from
    std::atomic<bool> default_lines_{true};  ///< stream mode with the default format
    std::chrono::milliseconds interval_{50};
    std::size_t capacity_ = 65536;
    std::thread thread_;
};

/// Registers BufferedAsyncChannel with Poco's LoggingFactory; call before the logging
/// configuration is read.
void register_buffered_async_channel();

}  // namespace plugin_host
