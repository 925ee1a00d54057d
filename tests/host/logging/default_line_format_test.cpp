#include "logging/default_line_format.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/PatternFormatter.h>

#include <gtest/gtest.h>

namespace plugin_host {
namespace {

/// What Poco's PatternFormatter makes of the same message: the line DefaultLineFormat copies.
std::string formatted_by_poco(const Poco::Message& message) {
    Poco::AutoPtr<Poco::PatternFormatter> reference(new Poco::PatternFormatter(DefaultLineFormat::kPattern));
    std::string line;
    reference->format(message, line);
    return line;
}

TEST(DefaultLineFormat, WritesWhatPocosPatternFormatterWritesAcrossSecondsDaysAndYears) {
    DefaultLineFormat format;  // one instance throughout: its cached second changes as the times do
    for (const Poco::Timestamp::TimeVal micros : {
             1'764'374'400'123'456LL,  // 2025-11-29 00:00:00.123
             1'764'374'400'999'999LL,  // the same second, its last microsecond
             1'764'374'461'005'000LL,  // a minute later
             951'782'400'000'000LL,    // 2000-02-29, a leap day
             1'704'067'199'999'000LL,  // 2023-12-31 23:59:59.999
             1'704'067'200'000'000LL,  // 2024-01-01 00:00:00.000
             0LL,                      // 1970-01-01
             253'402'300'799'000'000LL,  // 9999-12-31 23:59:59
         }) {
        for (const Poco::Message::Priority priority : {Poco::Message::PRIO_FATAL, Poco::Message::PRIO_INFORMATION,
                                                       Poco::Message::PRIO_TRACE}) {
            Poco::Message message("host.repository", "Executing x with data: y", priority);
            message.setTime(Poco::Timestamp(micros));
            std::string line;
            format.append(line, message.getTime(), priority, message.getSource(), message.getText());
            EXPECT_EQ(line, formatted_by_poco(message)) << micros;
        }
    }
}

TEST(DefaultLineFormat, AppendsToWhatIsAlreadyThere) {
    DefaultLineFormat format;
    std::string out = "before|";
    format.append(out, Poco::Timestamp(0), Poco::Message::PRIO_ERROR, "host", "text");
    EXPECT_EQ(out, "before|1970-01-01 00:00:00.000 [Error] host: text");
}

}  // namespace
}  // namespace plugin_host
