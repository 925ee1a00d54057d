#include "logging/buffered_async_channel.hpp"

#include <Poco/Exception.h>
#include <Poco/Instantiator.h>
#include <Poco/LoggingFactory.h>
#include <Poco/LoggingRegistry.h>
#include <Poco/NumberParser.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/PatternFormatter.h>

#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <utility>

namespace plugin_host {

namespace {

constexpr const char* kDefaultFormat = "%Y-%m-%d %H:%M:%S.%i [%p] %s: %t";

/// Appends `message` as kDefaultFormat would (UTC), without Poco's PatternFormatter, which
/// converts every timestamp to a calendar date: the date and time are worked out once per
/// second. Used on the writer thread only.
class DefaultLineFormat {
public:
    void append(std::string& out, const Poco::Message& message) {
        const Poco::Timestamp::TimeVal micros = message.getTime().epochMicroseconds();
        const Poco::Timestamp::TimeVal second = micros / 1000000;
        if (second != cached_second_) {
            cached_second_ = second;
            cached_prefix_ = Poco::DateTimeFormatter::format(Poco::Timestamp(second * 1000000), "%Y-%m-%d %H:%M:%S");
        }
        const auto millis = static_cast<int>((micros / 1000) % 1000);
        out += cached_prefix_;
        out += '.';
        out += static_cast<char>('0' + millis / 100);
        out += static_cast<char>('0' + millis / 10 % 10);
        out += static_cast<char>('0' + millis % 10);
        out += " [";
        out += priority_name(message.getPriority());
        out += "] ";
        out += message.getSource();
        out += ": ";
        out += message.getText();
    }

private:
    static const char* priority_name(Poco::Message::Priority priority) {
        static constexpr const char* kNames[] = {"",       "Fatal",       "Critical", "Error", "Warning",
                                                 "Notice", "Information", "Debug",    "Trace"};
        const int index = static_cast<int>(priority);
        return index >= 1 && index <= 8 ? kNames[index] : "";
    }

    Poco::Timestamp::TimeVal cached_second_ = -1;
    std::string cached_prefix_;
};

}  // namespace

BufferedAsyncChannel::BufferedAsyncChannel()
    : formatter_(new Poco::PatternFormatter(kDefaultFormat)), format_(kDefaultFormat) {}

BufferedAsyncChannel::~BufferedAsyncChannel() {
    try {
        close();
    } catch (...) {
    }
}

void BufferedAsyncChannel::setProperty(const std::string& name, const std::string& value) {
    if (name == "channel") {
        setChannel(Poco::LoggingRegistry::defaultRegistry().channelForName(value));
    } else if (name == "stream") {
        if (value != "stdout" && value != "stderr") {
            throw Poco::InvalidArgumentException("stream must be stdout or stderr", value);
        }
        std::lock_guard lock(mutex_);
        stream_fd_ = value == "stdout" ? STDOUT_FILENO : STDERR_FILENO;
        target_.reset();
    } else if (name == "format") {
        Poco::AutoPtr<Poco::Formatter> formatter(new Poco::PatternFormatter(value));
        std::lock_guard lock(mutex_);
        formatter_ = formatter;
        format_ = value;
    } else if (name == "interval_ms") {
        const int interval = Poco::NumberParser::parse(value);
        if (interval < 1 || interval > 10000) throw Poco::InvalidArgumentException("interval_ms must be 1 to 10000", value);
        std::lock_guard lock(mutex_);
        interval_ = std::chrono::milliseconds(interval);
    } else if (name == "capacity") {
        const int capacity = Poco::NumberParser::parse(value);
        if (capacity < 16) throw Poco::InvalidArgumentException("capacity must be at least 16", value);
        std::lock_guard lock(mutex_);
        capacity_ = static_cast<std::size_t>(capacity);
    } else {
        Channel::setProperty(name, value);
    }
}

std::string BufferedAsyncChannel::getProperty(const std::string& name) const {
    if (name == "stream") return stream_fd_ == STDOUT_FILENO ? "stdout" : stream_fd_ == STDERR_FILENO ? "stderr" : "";
    if (name == "interval_ms") return std::to_string(interval_.count());
    if (name == "capacity") return std::to_string(capacity_);
    return Channel::getProperty(name);
}

void BufferedAsyncChannel::setChannel(Poco::Channel::Ptr target) {
    std::lock_guard lock(mutex_);
    target_ = std::move(target);
    stream_fd_ = -1;
}

void BufferedAsyncChannel::log(const Poco::Message& message) { log(Poco::Message(message)); }

void BufferedAsyncChannel::log(Poco::Message&& message) {
    std::unique_lock lock(mutex_);
    start_if_needed();
    if (pending_.size() >= capacity_) {
        ++dropped_;
        return;
    }
    pending_.push_back(std::move(message));
    if (pending_.size() == capacity_ / 2) {
        lock.unlock();
        wake_.notify_one();
    }
}

void BufferedAsyncChannel::close() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void BufferedAsyncChannel::start_if_needed() {
    if (!thread_.joinable() && !stopping_) thread_ = std::thread([this] { run(); });
}

void BufferedAsyncChannel::run() {
    std::vector<Poco::Message> batch;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait_for(lock, interval_, [this] { return stopping_ || pending_.size() >= capacity_ / 2; });
        batch.swap(pending_);
        const std::size_t dropped = std::exchange(dropped_, 0);
        Poco::Channel::Ptr target = target_;
        const int fd = stream_fd_;
        Poco::AutoPtr<Poco::Formatter> formatter = formatter_;
        const bool default_format = format_ == kDefaultFormat;
        const bool last = stopping_;
        lock.unlock();

        if (dropped > 0) {
            batch.insert(batch.begin(),
                         Poco::Message("host.logging", std::to_string(dropped) + " log messages dropped: logging fell behind",
                                       Poco::Message::PRIO_WARNING));
        }
        if (target) {
            deliver(*target, batch);
        } else if (fd >= 0) {
            write(fd, *formatter, default_format, batch);
        }
        batch.clear();
        if (last) return;
        lock.lock();
    }
}

void BufferedAsyncChannel::deliver(Poco::Channel& target, const std::vector<Poco::Message>& batch) {
    std::size_t failed = 0;
    std::string reason;
    for (const Poco::Message& message : batch) {
        try {
            target.log(message);
        } catch (const Poco::Exception& error) {
            if (failed++ == 0) reason = error.displayText();
        } catch (const std::exception& error) {
            if (failed++ == 0) reason = error.what();
        }
    }
    if (failed > 0) {
        // The log itself is broken: say so where an operator can still see it.
        std::cerr << "plugin-host: " << failed << " log messages could not be written: " << reason << std::endl;
    }
}

void BufferedAsyncChannel::write(int fd, Poco::Formatter& formatter, bool is_default,
                                 const std::vector<Poco::Message>& batch) {
    static thread_local DefaultLineFormat default_format;  // the writer thread's
    batch_text_.clear();
    std::string line;
    for (const Poco::Message& message : batch) {
        if (is_default) {
            default_format.append(batch_text_, message);
        } else {
            line.clear();
            formatter.format(message, line);
            batch_text_ += line;
        }
        batch_text_ += '\n';
    }
    std::size_t written = 0;
    while (written < batch_text_.size()) {
        const ssize_t result = ::write(fd, batch_text_.data() + written, batch_text_.size() - written);
        if (result < 0 && errno == EINTR) continue;
        if (result <= 0) return;  // nowhere to write to: the messages are lost, requests go on
        written += static_cast<std::size_t>(result);
    }
}

void register_buffered_async_channel() {
    Poco::LoggingFactory::defaultFactory().registerChannelClass(
        "BufferedAsyncChannel", new Poco::Instantiator<BufferedAsyncChannel, Poco::Channel>);
}

}  // namespace plugin_host
