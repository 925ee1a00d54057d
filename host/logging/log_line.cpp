#include "logging/log_line.hpp"

#include "logging/buffered_async_channel.hpp"

#include <Poco/Process.h>
#include <Poco/Thread.h>

#include <memory>

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

void log_line(Poco::Logger& logger, Poco::Message::Priority priority, std::string_view text) {
    if (!logger.is(priority)) return;
    Poco::Channel::Ptr channel = logger.getChannel();
    if (auto* buffered = dynamic_cast<BufferedAsyncChannel*>(channel.get()); buffered && buffered->writes_default_lines()) {
        buffered->log_line(logger.name(), priority, text);  // no Poco::Message at all
        return;
    }
    // On the heap, not in the thread's static TLS, which sits at the top of every thread's
    // stack and pushes every frame down (see ExecutionService on the stack budget).
    thread_local const std::unique_ptr<const Poco::Message> prototype =
        std::make_unique<const Poco::Message>(thread_prototype());
    Poco::Message message(*prototype);
    message.setSource(logger.name());
    message.setPriority(priority);
    message.setText(std::string(text));
    message.setTime(Poco::Timestamp());
    logger.log(message);
}

}  // namespace plugin_host
