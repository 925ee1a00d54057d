#include "logging/log_line.hpp"

#include "logging/buffered_async_channel.hpp"

#include <Poco/Process.h>
#include <Poco/Thread.h>

namespace plugin_host {
namespace {

/// What Poco::Message's constructor would fill in for this thread, gathered once.
Poco::Message thread_prototype() {
    Poco::Message prototype;
    prototype.setPid(Poco::Process::id());
    if (const Poco::Thread* thread = Poco::Thread::current()) {
        prototype.setTid(thread->id());
        prototype.setThread(thread->name());
    }
    return prototype;
}

}  // namespace

void log_line(Poco::Logger& logger, Poco::Message::Priority priority, std::string text) {
    if (!logger.is(priority)) return;
    thread_local const Poco::Message prototype = thread_prototype();
    Poco::Message message(prototype);
    message.setSource(logger.name());
    message.setPriority(priority);
    message.setText(std::move(text));
    message.setTime(Poco::Timestamp());
    // The default channel takes the message as it is; any other gets Poco's usual copy.
    if (auto* buffered = dynamic_cast<BufferedAsyncChannel*>(logger.getChannel().get())) {
        buffered->log(std::move(message));
    } else {
        logger.log(message);
    }
}

}  // namespace plugin_host
