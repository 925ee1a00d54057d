#include "logging/log_line.hpp"

#include "logging/buffered_async_channel.hpp"
#include "text/utf8.hpp"

#include <Poco/Process.h>
#include <Poco/Thread.h>

#include <algorithm>
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

bool needs_escape(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f || c == '\\';
}

}  // namespace

void log_line(Poco::Logger& logger, Poco::Message::Priority priority, std::string_view text) {
    if (!logger.is(priority)) return;
    Poco::Channel::Ptr channel = logger.getChannel();
    if (auto* buffered = dynamic_cast<BufferedAsyncChannel*>(channel.get()); buffered && buffered->writes_default_lines()) {
        buffered->log_line(logger.name(), priority, text);  // no Poco::Message at all
        return;
    }
    // This thread's prototype, made on its first line.
    thread_local const std::unique_ptr<const Poco::Message> prototype =
        std::make_unique<const Poco::Message>(thread_prototype());
    Poco::Message message(*prototype);
    message.setSource(logger.name());
    message.setPriority(priority);
    message.setText(std::string(text));
    message.setTime(Poco::Timestamp());
    logger.log(message);
}

std::string one_line(std::string_view text) {
    if (!is_valid_utf8(text)) return one_line(replace_invalid_utf8(text));
    if (std::none_of(text.begin(), text.end(), needs_escape)) return std::string(text);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string line;
    line.reserve(text.size() + 8);
    for (const char c : text) {
        switch (c) {
        case '\\': line += "\\\\"; break;
        case '\n': line += "\\n"; break;
        case '\r': line += "\\r"; break;
        case '\t': line += "\\t"; break;
        default:
            if (needs_escape(c)) {
                line += "\\x";
                line += kHex[static_cast<unsigned char>(c) >> 4];
                line += kHex[static_cast<unsigned char>(c) & 0x0f];
            } else {
                line += c;
            }
        }
    }
    return line;
}

}  // namespace plugin_host
