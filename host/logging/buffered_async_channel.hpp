#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Formatter.h>
#include <Poco/Message.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace plugin_host {

/// A logging channel for request threads. log() appends a copy of the message to a buffer
/// and returns: no system call, no wake-up of another thread. A thread of its own writes
/// the buffered messages out every `interval_ms` (sooner once half of `capacity` is
/// buffered), off the request path. When `capacity` messages are waiting, further ones are
/// dropped and counted, and the count is logged with the next batch: a request thread
/// never waits for logging.
///
/// Where the messages go: with `stream = stdout` (the default, or stderr) it formats each
/// message with `format` (a Poco::PatternFormatter pattern) and writes a whole batch with
/// one write(2); with `channel = <name>` it hands each message to that Poco channel (a
/// FileChannel, say), one by one.
///
/// Poco's AsyncChannel does the same job but wakes its thread for every message, and its
/// ConsoleChannel flushes every line: at four lines per request and thousands of requests
/// a second, that cost more than the requests themselves.
///
/// Configured like Poco's channels, in server.ini:
///   [logging.channels.buffered]
///   class = BufferedAsyncChannel
///   stream = stdout          ; or: channel = <name of another channel>
///   format = %Y-%m-%d %H:%M:%S.%i [%p] %s: %t
///   interval_ms = 50         ; default 50
///   capacity = 65536         ; default 65536 messages
/// register_buffered_async_channel() makes the class known to Poco's LoggingFactory.
class BufferedAsyncChannel final : public Poco::Channel {
public:
    BufferedAsyncChannel();

    void setProperty(const std::string& name, const std::string& value) override;
    std::string getProperty(const std::string& name) const override;

    /// Any thread. Never blocks on the target.
    void log(const Poco::Message& message) override;

    /// The same, taking the message instead of copying it (see log_line()).
    void log(Poco::Message&& message);

    /// Hands every buffered message to the target and stops the thread.
    void close() override;

    /// Hands messages to `target` instead of writing them to a stream.
    void setChannel(Poco::Channel::Ptr target);

protected:
    ~BufferedAsyncChannel() override;

private:
    void run();
    void start_if_needed();  // caller holds mutex_
    static void deliver(Poco::Channel& target, const std::vector<Poco::Message>& batch);
    void write(int fd, Poco::Formatter& formatter, bool is_default, const std::vector<Poco::Message>& batch);

    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Poco::Message> pending_;
    std::size_t dropped_ = 0;
    bool stopping_ = false;
    Poco::Channel::Ptr target_;
    int stream_fd_ = 1;  ///< 1 or 2 when writing to stdout or stderr, -1 with a target channel
    Poco::AutoPtr<Poco::Formatter> formatter_;
    std::string format_;  ///< the pattern formatter_ was made from
    std::string batch_text_;  ///< the writer thread's buffer, reused
    std::chrono::milliseconds interval_{50};
    std::size_t capacity_ = 65536;
    std::thread thread_;
};

/// Registers BufferedAsyncChannel with Poco's LoggingFactory; call before the logging
/// configuration is read.
void register_buffered_async_channel();

}  // namespace plugin_host
