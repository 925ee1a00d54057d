#include "logging/buffered_async_channel.hpp"
#include "logging/default_line_format.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/LoggingFactory.h>
#include <Poco/LoggingRegistry.h>
#include <Poco/Util/LoggingConfigurator.h>
#include <Poco/Util/MapConfiguration.h>

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <regex>
#include <thread>
#include <string>
#include <vector>

namespace plugin_host {
namespace {

/// A target that records the texts it is given, optionally failing on each.
class RecordingChannel final : public Poco::Channel {
public:
    explicit RecordingChannel(bool fail = false) : fail_(fail) {}
    void log(const Poco::Message& message) override {
        std::lock_guard lock(mutex_);
        texts_.push_back(message.getText());
        if (fail_) throw Poco::WriteFileException("disk full");
    }
    std::vector<std::string> texts() {
        std::lock_guard lock(mutex_);
        return texts_;
    }

private:
    bool fail_;
    std::mutex mutex_;
    std::vector<std::string> texts_;
};

Poco::Message message(const std::string& text) { return Poco::Message("test", text, Poco::Message::PRIO_INFORMATION); }

TEST(BufferedAsyncChannel, PassesMessagesOnInOrderInBatchesNotAtOnce) {
    Poco::AutoPtr<RecordingChannel> target(new RecordingChannel);
    Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
    channel->setChannel(target);
    channel->setProperty("interval_ms", "10000");
    channel->log(message("one"));
    channel->log(message("two"));
    channel->log(message("three"));
    EXPECT_TRUE(target->texts().empty());  // nothing written on the logging thread
    channel->close();                       // hands over what is buffered
    EXPECT_EQ(target->texts(), (std::vector<std::string>{"one", "two", "three"}));
}

TEST(BufferedAsyncChannel, WritesWithinTheInterval) {
    Poco::AutoPtr<RecordingChannel> target(new RecordingChannel);
    Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
    channel->setChannel(target);
    channel->setProperty("interval_ms", "20");
    channel->log(message("soon"));
    EXPECT_TRUE(test_support::eventually([&] { return !target->texts().empty(); }));
    EXPECT_EQ(target->texts(), std::vector<std::string>{"soon"});
}

/// A target whose log() holds the writer thread until unblock() is called.
class BlockingChannel final : public Poco::Channel {
public:
    void log(const Poco::Message& message) override {
        std::unique_lock lock(mutex_);
        texts_.push_back(message.getText());
        changed_.notify_all();
        changed_.wait(lock, [this] { return released_; });
    }
    void wait_for_first_message() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return !texts_.empty(); });
    }
    void unblock() {
        std::lock_guard lock(mutex_);
        released_ = true;
        changed_.notify_all();
    }
    std::vector<std::string> texts() {
        std::lock_guard lock(mutex_);
        return texts_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool released_ = false;
    std::vector<std::string> texts_;
};

TEST(BufferedAsyncChannel, BeyondCapacityMessagesAreDroppedAndCounted) {
    Poco::AutoPtr<BlockingChannel> target(new BlockingChannel);
    Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
    channel->setChannel(target);
    channel->setProperty("interval_ms", "1");
    channel->setProperty("capacity", "16");
    channel->log(message("first"));
    target->wait_for_first_message();  // the writer thread is now stuck in the target
    for (int i = 0; i < 20; ++i) channel->log(message(std::to_string(i)));
    target->unblock();
    channel->close();
    const std::vector<std::string> texts = target->texts();
    ASSERT_EQ(texts.size(), 18u);
    EXPECT_EQ(texts[0], "first");
    EXPECT_EQ(texts[1], "4 log messages dropped: logging fell behind");
    EXPECT_EQ(texts[2], "0");
    EXPECT_EQ(texts[17], "15");
}

TEST(BufferedAsyncChannel, MessagesLoggedAfterCloseAreWrittenAtOnce) {
    Poco::AutoPtr<RecordingChannel> target(new RecordingChannel);
    Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
    channel->setChannel(target);
    channel->log(message("before"));
    channel->close();
    channel->log(message("after"));  // the last words of a process on its way out
    EXPECT_EQ(target->texts(), (std::vector<std::string>{"before", "after"}));
}

TEST(BufferedAsyncChannel, AFailingTargetNeitherThrowsNorStopsTheChannel) {
    Poco::AutoPtr<RecordingChannel> target(new RecordingChannel(true));
    Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
    channel->setChannel(target);
    channel->setProperty("interval_ms", "10");
    EXPECT_NO_THROW(channel->log(message("a")));
    ASSERT_TRUE(test_support::eventually([&] { return target->texts().size() == 1; }));  // failed in its own batch
    EXPECT_NO_THROW(channel->log(message("b")));
    channel->close();
    EXPECT_EQ(target->texts(), (std::vector<std::string>{"a", "b"}));
}

/// Everything the channel writes to standard error while `log` runs, with fd 2 redirected.
std::string captured_stderr(const std::function<void()>& log) {
    std::FILE* file = std::tmpfile();
    const int saved = ::dup(STDERR_FILENO);
    ::dup2(::fileno(file), STDERR_FILENO);
    log();
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::string text(static_cast<std::size_t>(std::ftell(file)), '\0');
    std::rewind(file);
    text.resize(std::fread(text.data(), 1, text.size(), file));
    std::fclose(file);
    return text;
}

TEST(BufferedAsyncChannel, WritesLinesAsPocosPatternFormatterWould) {
    std::vector<Poco::Message> messages;
    for (const auto& [priority, micros] : std::vector<std::pair<Poco::Message::Priority, Poco::Timestamp::TimeVal>>{
             {Poco::Message::PRIO_INFORMATION, 1'764'374'400'123'456},  // 2025-11-29 00:00:00.123
             {Poco::Message::PRIO_WARNING, 1'764'374'400'999'999},
             {Poco::Message::PRIO_ERROR, 1'764'374'461'005'000},
             {Poco::Message::PRIO_DEBUG, 951'782'400'000'000}}) {           // 2000-02-29
        Poco::Message message("host.repository", "Executing x with data: y", priority);
        message.setTime(Poco::Timestamp(micros));
        messages.push_back(message);
    }
    for (const std::string& format : {std::string(DefaultLineFormat::kPattern), std::string("%p|%t")}) {
        std::string expected;
        Poco::AutoPtr<Poco::PatternFormatter> reference(new Poco::PatternFormatter(format));
        for (const Poco::Message& message : messages) {
            reference->format(message, expected);
            expected += '\n';
        }
        const std::string written = captured_stderr([&] {
            Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
            channel->setProperty("stream", "stderr");
            channel->setProperty("format", format);
            channel->setProperty("interval_ms", "10000");
            for (const Poco::Message& message : messages) channel->log(message);
            channel->close();
        });
        EXPECT_EQ(written, expected) << format;
    }
}

TEST(BufferedAsyncChannel, LogLineWritesTheDefaultLineWithoutAMessage) {
    const std::string written = captured_stderr([&] {
        Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
        channel->setProperty("stream", "stderr");
        ASSERT_TRUE(channel->writes_default_lines());
        channel->log_line("host.repository", Poco::Message::PRIO_INFORMATION, "Executing x with data: y");
        channel->log(message("after it"));
        channel->close();
    });
    EXPECT_TRUE(std::regex_match(written, std::regex("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} "
                                                     "\\[Information\\] host.repository: Executing x with data: y\n"
                                                     "[^\n]* \\[Information\\] test: after it\n")))
        << written;
}

TEST(BufferedAsyncChannel, OnlyTheDefaultFormatOnAStreamTakesLogLine) {
    Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
    EXPECT_TRUE(channel->writes_default_lines());
    channel->setProperty("format", "%p|%t");
    EXPECT_FALSE(channel->writes_default_lines());
    channel->setProperty("format", "%Y-%m-%d %H:%M:%S.%i [%p] %s: %t");
    EXPECT_TRUE(channel->writes_default_lines());
    channel->setChannel(Poco::AutoPtr<RecordingChannel>(new RecordingChannel));
    EXPECT_FALSE(channel->writes_default_lines());
}

TEST(BufferedAsyncChannel, RejectsNonsenseProperties) {
    Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
    EXPECT_THROW(channel->setProperty("interval_ms", "0"), Poco::InvalidArgumentException);
    EXPECT_THROW(channel->setProperty("capacity", "2"), Poco::InvalidArgumentException);
    EXPECT_THROW(channel->setProperty("interval_ms", "soon"), Poco::SyntaxException);
}

TEST(BufferedAsyncChannel, CanBeConfiguredByClassNameLikePocosChannels) {
    register_buffered_async_channel();
    Poco::AutoPtr<RecordingChannel> target(new RecordingChannel);
    Poco::LoggingRegistry::defaultRegistry().registerChannel("recording", target);
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    config->setString("logging.channels.buffered.class", "BufferedAsyncChannel");
    config->setString("logging.channels.buffered.channel", "recording");
    config->setString("logging.channels.buffered.interval_ms", "10");
    config->setString("logging.loggers.test.name", "configured.test");
    config->setString("logging.loggers.test.channel", "buffered");
    Poco::Util::LoggingConfigurator().configure(config);

    Poco::Logger::get("configured.test").information("through the configuration");
    EXPECT_TRUE(test_support::eventually([&] { return !target->texts().empty(); }));
    EXPECT_EQ(target->texts(), std::vector<std::string>{"through the configuration"});
    Poco::Logger::get("configured.test").setChannel(nullptr);
}

}  // namespace
}  // namespace plugin_host
