#include "seed/sequence_finder.hpp"

#include <gtest/gtest.h>

namespace seed {
namespace {

std::optional<std::string> find(std::string_view json) { return find_sequence(json, 32); }

TEST(SequenceFinder, FindsTheSeedsSequence) {
    EXPECT_EQ(find(R"({"info": {"sequence": "first"}})"), "first");
    EXPECT_EQ(find(R"({"a": [1, {"info": 2}], "info": {"x": {"sequence": "no"}, "sequence": "yes"}, "z": null})"),
              "yes");
    EXPECT_EQ(find(R"({"info": {"sequence": "caf\u00e9 \"q\""}})"), "café \"q\"");
}

TEST(SequenceFinder, NothingWhenThePathIsMissingOrNotAString) {
    for (const std::string_view json :
         {R"({})", R"([])", R"({"info": 1})", R"({"info": {}})", R"({"info": {"sequence": 5}})",
          R"({"info": {"sequence": null}})", R"({"info": {"sequence": ["a"]}})", R"({"info": {"sequence": {}}})",
          R"({"sequence": "first"})", R"({"x": {"info": {"sequence": "deep"}}})", R"([{"info": {"sequence": "a"}}])",
          R"({"info": [{"sequence": "a"}]})"}) {
        EXPECT_EQ(find(json), std::nullopt) << json;
    }
}

TEST(SequenceFinder, TheLastDuplicateKeyCountsAsInAParsedDocument) {
    EXPECT_EQ(find(R"({"info": {"sequence": "a", "sequence": "b"}})"), "b");
    EXPECT_EQ(find(R"({"info": {"sequence": "a", "sequence": 1}})"), std::nullopt);
    EXPECT_EQ(find(R"({"info": {"sequence": "a"}, "info": {}})"), std::nullopt);
    EXPECT_EQ(find(R"({"info": {"sequence": "a"}, "info": 7})"), std::nullopt);
    EXPECT_EQ(find(R"({"info": 7, "info": {"sequence": "a"}})"), "a");
}

TEST(SequenceFinder, InvalidJsonThrows) {
    for (const std::string_view json : {"", "{", R"({"info": })", "nul", R"({"info":{"sequence":"a"}} x)", "{'a': 1}"}) {
        EXPECT_THROW(find(json), NotJson) << json;
    }
}

TEST(SequenceFinder, InvalidJsonSaysWhereAndWhy) {
    try {
        find(R"({"info": })");
        FAIL() << "no exception";
    } catch (const NotJson& error) {
        EXPECT_TRUE(std::string_view(error.what()).starts_with("parse error at line 1, column 10: syntax error")) << error.what();
    }
}

TEST(SequenceFinder, NestingBeyondTheLimitThrowsWithoutExhaustingTheStack) {
    EXPECT_THROW(find(std::string(100000, '[') + std::string(100000, ']')), NotJson);
    EXPECT_NO_THROW(find_sequence(std::string(32, '[') + std::string(32, ']'), 32));
    try {
        find_sequence(std::string(33, '[') + std::string(33, ']'), 32);
        FAIL() << "no exception";
    } catch (const NotJson& error) {
        EXPECT_STREQ(error.what(), "nested deeper than 32 levels");
    }
}

TEST(SequenceFinder, StringsMustBeUtf8AndTheirEscapesDecode) {
    EXPECT_EQ(find(R"({"info": {"sequence": "\u20ac \ud83d\ude00"}})"), "\xe2\x82\xac \xf0\x9f\x98\x80");
    EXPECT_THROW(find("{\"info\": {\"sequence\": \"\xff\"}}"), NotJson);
    EXPECT_THROW(find(R"({"info": {"sequence": "\ud800"}})"), NotJson);  // a lone surrogate
}

}  // namespace
}  // namespace seed
