#include "logging/buffered_async_channel.hpp"

#include <gtest/gtest.h>

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/LoggingFactory.h>
#include <Poco/LoggingRegistry.h>
#include <Poco/Util/LoggingConfigurator.h>
#include <Poco/Util/MapConfiguration.h>

#include <chrono>
#include <mutex>
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
    for (int attempt = 0; attempt < 200 && target->texts().empty(); ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(target->texts(), std::vector<std::string>{"soon"});
}

TEST(BufferedAsyncChannel, BeyondCapacityMessagesAreDroppedAndCounted) {
    Poco::AutoPtr<RecordingChannel> target(new RecordingChannel);
    Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
    channel->setProperty("interval_ms", "10000");
    channel->setProperty("capacity", "16");
    for (int i = 0; i < 20; ++i) channel->log(message(std::to_string(i)));  // no target yet: nothing drains
    channel->setChannel(target);
    channel->close();
    const std::vector<std::string> texts = target->texts();
    ASSERT_EQ(texts.size(), 17u);
    EXPECT_EQ(texts[0], "4 log messages dropped: logging fell behind");
    EXPECT_EQ(texts[1], "0");
    EXPECT_EQ(texts[16], "15");
}

TEST(BufferedAsyncChannel, AFailingTargetNeitherThrowsNorStopsTheChannel) {
    Poco::AutoPtr<RecordingChannel> target(new RecordingChannel(true));
    Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
    channel->setChannel(target);
    channel->setProperty("interval_ms", "10");
    EXPECT_NO_THROW(channel->log(message("a")));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_NO_THROW(channel->log(message("b")));
    channel->close();
    EXPECT_EQ(target->texts(), (std::vector<std::string>{"a", "b"}));
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
    for (int attempt = 0; attempt < 200 && target->texts().empty(); ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(target->texts(), std::vector<std::string>{"through the configuration"});
    Poco::Logger::get("configured.test").setChannel(nullptr);
}

}  // namespace
}  // namespace plugin_host
