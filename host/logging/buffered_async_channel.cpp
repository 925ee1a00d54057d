#include "logging/buffered_async_channel.hpp"

#include "logging/default_line_format.hpp"

#include <Poco/Exception.h>
#include <Poco/Instantiator.h>
#include <Poco/LoggingFactory.h>
#include <Poco/LoggingRegistry.h>
#include <Poco/NumberParser.h>
#include <Poco/PatternFormatter.h>

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <iostream>
#include <memory>
#include <system_error>
#include <utility>

namespace plugin_host {

namespace {

/// A logging thread's line buffer and date cache.
struct LineBuffer {
    DefaultLineFormat format;
    std::string line;
};

/// The calling thread's LineBuffer, made on its first line.
LineBuffer& line_buffer() {
    thread_local const std::unique_ptr<LineBuffer> buffer = std::make_unique<LineBuffer>();
    return *buffer;
}

}  // namespace

BufferedAsyncChannel::BufferedAsyncChannel()
    : formatter_(new Poco::PatternFormatter(DefaultLineFormat::kPattern)), format_(DefaultLineFormat::kPattern) {}

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
        update_default_lines();
    } else if (name == "format") {
        Poco::AutoPtr<Poco::Formatter> formatter(new Poco::PatternFormatter(value));
        std::lock_guard lock(mutex_);
        formatter_ = formatter;
        format_ = value;
        update_default_lines();
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
    update_default_lines();
}

void BufferedAsyncChannel::update_default_lines() {
    default_lines_ = stream_fd_ >= 0 && format_ == DefaultLineFormat::kPattern;
}

void BufferedAsyncChannel::log(const Poco::Message& message) {
    if (stream_fd_.load(std::memory_order_relaxed) >= 0) {
        LineBuffer& buffer = line_buffer();
        std::string& line = buffer.line;
        line.clear();
        if (writes_default_lines()) {
            buffer.format.append(line, message.getTime(), message.getPriority(), message.getSource(), message.getText());
        } else {
            formatter_->format(message, line);
        }
        line += '\n';
        enqueue_line(line);
        return;
    }
    std::unique_lock lock(mutex_);
    if (!writer_running()) {
        Poco::Channel::Ptr target = target_;
        lock.unlock();
        if (target) deliver(*target, {message});
        return;
    }
    if (pending_count_ >= capacity_) {
        ++dropped_;
        return;
    }
    pending_.push_back(message);
    if (++pending_count_ == capacity_ / 2) {
        lock.unlock();
        wake_.notify_one();
    }
}

void BufferedAsyncChannel::log_line(std::string_view source, Poco::Message::Priority priority, std::string_view text) {
    LineBuffer& buffer = line_buffer();
    std::string& line = buffer.line;
    line.clear();
    buffer.format.append(line, Poco::Timestamp(), priority, source, text);
    line += '\n';
    enqueue_line(line);
}

void BufferedAsyncChannel::enqueue_line(const std::string& line) {
    std::unique_lock lock(mutex_);
    if (!writer_running()) {
        write_all(stream_fd_, line);
        return;
    }
    if (pending_count_ >= capacity_) {
        ++dropped_;
        return;
    }
    pending_text_ += line;
    if (++pending_count_ == capacity_ / 2) {
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

bool BufferedAsyncChannel::writer_running() {
    if (stopping_) return false;
    if (thread_.joinable()) return true;
    try {
        thread_ = std::thread([this] { run(); });
        return true;
    } catch (const std::system_error&) {
        return false;  // the system makes no more threads: the caller writes the message itself
    }
}

void BufferedAsyncChannel::run() {
    std::vector<Poco::Message> batch;
    std::string text;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait_for(lock, interval_, [this] { return stopping_ || pending_count_ >= capacity_ / 2; });
        batch.swap(pending_);
        text.swap(pending_text_);  // both keep their capacity for the next round
        pending_count_ = 0;
        const std::size_t dropped = std::exchange(dropped_, 0);
        Poco::Channel::Ptr target = target_;
        const int fd = stream_fd_;
        Poco::AutoPtr<Poco::Formatter> formatter = formatter_;
        const bool last = stopping_;
        lock.unlock();

        if (dropped > 0) {
            const Poco::Message warning("host.logging", std::to_string(dropped) + " log messages dropped: logging fell behind",
                                        Poco::Message::PRIO_WARNING);
            if (target) {
                deliver(*target, {warning});
            } else if (fd >= 0) {
                std::string line;
                formatter->format(warning, line);
                line += '\n';
                write_all(fd, line);
            }
        }
        if (target && !batch.empty()) deliver(*target, batch);
        if (fd >= 0 && !text.empty()) write_all(fd, text);
        batch.clear();
        text.clear();
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

void BufferedAsyncChannel::write_all(int fd, const std::string& text) {
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t result = ::write(fd, text.data() + written, text.size() - written);
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
