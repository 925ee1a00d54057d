#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <mutex>
#include <string>
#include <vector>

namespace test_support {

/// Collects every message logged by any Poco logger while it exists (thread-safe).
class LogCapture {
public:
    LogCapture() : channel_(new Channel) {
        Poco::Logger::root().setChannel(channel_);  // loggers created later inherit it
        Poco::Logger::setChannel("", channel_);     // loggers that exist already
    }
    ~LogCapture() { Poco::Logger::setChannel("", nullptr); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    /// "<logger>: <text>" of every message so far.
    std::vector<std::string> lines() const { return channel_->lines(); }

    bool contains(const std::string& line) const {
        for (const std::string& logged : lines()) {
            if (logged == line) return true;
        }
        return false;
    }

    bool contains_text(const std::string& part) const {
        for (const std::string& logged : lines()) {
            if (logged.find(part) != std::string::npos) return true;
        }
        return false;
    }

private:
    class Channel final : public Poco::Channel {
    public:
        void log(const Poco::Message& message) override {
            std::lock_guard lock(mutex_);
            lines_.push_back(message.getSource() + ": " + message.getText());
        }
        std::vector<std::string> lines() const {
            std::lock_guard lock(mutex_);
            return lines_;
        }

    private:
        mutable std::mutex mutex_;
        std::vector<std::string> lines_;
    };

    Poco::AutoPtr<Channel> channel_;
};

}  // namespace test_support
