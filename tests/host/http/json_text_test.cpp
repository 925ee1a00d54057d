#include "http/json_text.hpp"

#include <gtest/gtest.h>

namespace plugin_host {
namespace {

TEST(JsonText, EscapesQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(json_escape("plain"), "plain");
    EXPECT_EQ(json_escape("a\"b\\c\nd\te"), "a\\\"b\\\\c\\nd\\te");
    EXPECT_EQ(json_escape(std::string_view("\x01", 1)), "\\u0001");
}

TEST(JsonText, ObjectAndErrorBodies) {
    EXPECT_EQ(json_object("result", "x Executed"), R"({"result":"x Executed"})");
    EXPECT_EQ(json_error("bad \"thing\""), R"({"error":"bad \"thing\""})");
}

TEST(JsonText, Utf8Validation) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("ascii"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\xff"));
    EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xe2\x28\xa1"));      // bad continuation
}

TEST(JsonText, InvalidUtf8IsReplacedSoTheOutputStaysValid) {
    EXPECT_EQ(json_escape("\xff/a\xc3"), "\xEF\xBF\xBD/a\xEF\xBF\xBD");
    EXPECT_EQ(json_escape("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(JsonWriter, PlacesCommasAndQuotesAndEscapesStrings) {
    JsonWriter json;
    json.begin_object().key("ok").boolean(true).key("list").begin_array().string("a/b").string("q\"").end_array();
    json.key("nested").begin_object().key("n").number(42).key("none").null().end_object();
    json.key("empty").begin_array().end_array().end_object();
    EXPECT_EQ(json.take(), R"({"ok":true,"list":["a/b","q\""],"nested":{"n":42,"none":null},"empty":[]})");
}

}  // namespace
}  // namespace plugin_host
