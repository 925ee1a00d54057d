#include "logging/default_line_format.hpp"

#include <chrono>

namespace plugin_host {
namespace {

/// "YYYY-MM-DD HH:MM:SS" of `seconds` since the epoch, in UTC (years 1970 to 9999).
void format_utc_second(char (&out)[20], Poco::Timestamp::TimeVal seconds) {
    const std::chrono::sys_seconds time{std::chrono::seconds(seconds)};
    const auto day = std::chrono::floor<std::chrono::days>(time);
    const std::chrono::year_month_day date{day};
    const std::chrono::hh_mm_ss clock{time - day};
    const auto put = [&out](int at, unsigned value, int digits) {
        for (int i = digits - 1; i >= 0; --i, value /= 10) out[at + i] = static_cast<char>('0' + value % 10);
    };
    put(0, static_cast<unsigned>(static_cast<int>(date.year())), 4);
    out[4] = '-';
    put(5, static_cast<unsigned>(date.month()), 2);
    out[7] = '-';
    put(8, static_cast<unsigned>(date.day()), 2);
    out[10] = ' ';
    put(11, static_cast<unsigned>(clock.hours().count()), 2);
    out[13] = ':';
    put(14, static_cast<unsigned>(clock.minutes().count()), 2);
    out[16] = ':';
    put(17, static_cast<unsigned>(clock.seconds().count()), 2);
    out[19] = '\0';
}

const char* priority_name(Poco::Message::Priority priority) {
    static constexpr const char* kNames[] = {"",       "Fatal",       "Critical", "Error", "Warning",
                                             "Notice", "Information", "Debug",    "Trace"};
    const int index = static_cast<int>(priority);
    return index >= 1 && index <= 8 ? kNames[index] : "";
}

}  // namespace

void DefaultLineFormat::append(std::string& out, Poco::Timestamp time, Poco::Message::Priority priority,
                               std::string_view source, std::string_view text) {
    const Poco::Timestamp::TimeVal micros = time.epochMicroseconds();
    const Poco::Timestamp::TimeVal second = micros / 1000000;
    if (second != cached_second_) {
        cached_second_ = second;
        format_utc_second(cached_prefix_, second);
    }
    const auto millis = static_cast<int>((micros / 1000) % 1000);
    out += cached_prefix_;
    out += '.';
    out += static_cast<char>('0' + millis / 100);
    out += static_cast<char>('0' + millis / 10 % 10);
    out += static_cast<char>('0' + millis % 10);
    out += " [";
    out += priority_name(priority);
    out += "] ";
    out += source;
    out += ": ";
    out += text;
}

}  // namespace plugin_host
