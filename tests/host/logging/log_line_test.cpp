// one_line(): text from outside the host, fit for one log line.
#include "logging/log_line.hpp"

#include <gtest/gtest.h>

namespace plugin_host {
namespace {

TEST(OneLine, PlainTextIsUnchangedQuotesAndSlashesIncluded) {
    EXPECT_EQ(one_line("first"), "first");
    EXPECT_EQ(one_line(R"({"a": "b/c"})"), R"({"a": "b/c"})");
    EXPECT_EQ(one_line("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(one_line(""), "");
}

TEST(OneLine, LineBreaksAndControlCharactersAreEscapedSoNoLineCanBeForged) {
    EXPECT_EQ(one_line("a\nExecuted fake"), "a\\nExecuted fake");
    EXPECT_EQ(one_line("a\r\nb\tc"), "a\\r\\nb\\tc");
    EXPECT_EQ(one_line(std::string_view("\x1b[31m\x00\x7f", 7)), "\\x1b[31m\\x00\\x7f");
    EXPECT_EQ(one_line("a\\nb"), "a\\\\nb") << "a backslash is escaped, so an escape is never ambiguous";
}

TEST(OneLine, BytesThatAreNotUtf8BecomeReplacementCharacters) {
    EXPECT_EQ(one_line("\xff\n\xc3"), "\xEF\xBF\xBD\\n\xEF\xBF\xBD");
}

}  // namespace
}  // namespace plugin_host
