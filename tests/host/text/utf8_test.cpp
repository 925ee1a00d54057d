#include "text/utf8.hpp"

#include <gtest/gtest.h>

namespace plugin_host {
namespace {

TEST(Utf8, WellFormedTextIsValid) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("ascii"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(Utf8, MalformedTextIsNot) {
    EXPECT_FALSE(is_valid_utf8("\xff"));
    EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xe2\x28\xa1"));      // bad continuation
}

TEST(Utf8, EveryByteThatIsNotUtf8BecomesAReplacementCharacter) {
    EXPECT_EQ(replace_invalid_utf8("\xff/a\xc3"), "\xEF\xBF\xBD/a\xEF\xBF\xBD");
    EXPECT_EQ(replace_invalid_utf8("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(replace_invalid_utf8(""), "");
}

}  // namespace
}  // namespace plugin_host
