#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Message.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace plugin_host {

/// A logging channel for request threads. log() appends a copy of the message to a buffer
/// and returns: no system call, no wake-up of another thread. A thread of its own hands the
/// buffered messages to the target channel every `interval_ms` (sooner once half of
/// `capacity` is buffered), so the terminal or the disk is written in batches, off the
/// request path. When `capacity` messages are waiting, further ones are dropped and counted,
/// and the count is logged with the next batch: a request thread never waits for logging.
///
/// Poco's AsyncChannel does the same job but wakes its thread for every message, which at
/// tens of thousands of messages a second costs more than the requests themselves.
///
/// Configured like Poco's channels, in server.ini:
///   [logging.channels.buffered]
///   class = BufferedAsyncChannel
///   channel = console        ; the target, by name
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

    /// Hands every buffered message to the target and stops the thread.
    void close() override;

    void setChannel(Poco::Channel::Ptr target);

protected:
    ~BufferedAsyncChannel() override;

private:
    void run();
    void start_if_needed();  // caller holds mutex_
    static void deliver(Poco::Channel& target, const std::vector<Poco::Message>& batch);

    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Poco::Message> pending_;
    std::size_t dropped_ = 0;
    bool stopping_ = false;
    Poco::Channel::Ptr target_;
    std::chrono::milliseconds interval_{50};
    std::size_t capacity_ = 65536;
    std::thread thread_;
};

/// Registers BufferedAsyncChannel with Poco's LoggingFactory; call before the logging
/// configuration is read.
void register_buffered_async_channel();

}  // namespace plugin_host
