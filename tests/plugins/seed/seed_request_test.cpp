// The seed's request rules, now the seed plugins' own: JSON content type (415), UTF-8 and
// JSON (400, nesting bounded), a string at info.sequence (422), and the seed's answer.
#include "seed/seed_request.hpp"

#include <gtest/gtest.h>

#include "contract/plugin_request.hpp"
#include "contract/plugin_response.hpp"

namespace seed {
namespace {

struct Read {
    std::optional<std::string> sequence;
    plugin_host::HttpResponse response;
};

Read read(std::string_view body, const std::string& content_type = "application/json") {
    plugin_host::HttpRequest request;
    request.head.setMethod("POST");
    if (!content_type.empty()) request.head.setContentType(content_type);
    request.body = std::string(body);
    const std::vector<std::pair<std::string_view, std::string>> parameters;
    const plugin_host::PluginRequest::Decoded query;
    Read result;
    plugin_host::PluginResponse response(result.response);
    result.sequence = read_sequence(plugin_host::PluginRequest(request, parameters, query), response);
    return result;
}

TEST(SeedRequest, AValidBodyGivesItsSequenceAndLeavesTheAnswerAlone) {
    const Read result = read(R"({"info": {"sequence": "first"}, "extra": [1, 2]})");
    EXPECT_EQ(result.sequence, "first");
    EXPECT_EQ(result.response.status, 200);
    EXPECT_TRUE(result.response.body.empty());
}

TEST(SeedRequest, TheAnswerIsTheSeedsResultObject) {
    EXPECT_EQ(result_body("first_first,first_second Executed"), R"({"result":"first_first,first_second Executed"})");
    EXPECT_EQ(result_body("a/b \"q\" \\ \n caf\xc3\xa9"), "{\"result\":\"a/b \\\"q\\\" \\\\ \\n caf\xc3\xa9\"}");
    EXPECT_EQ(result_body("\xff Executed"), "{\"result\":\"\xEF\xBF\xBD Executed\"}");  // never thrown at
}

TEST(SeedRequest, AContentTypeOtherThanJsonIs415) {
    for (const std::string type : {"text/plain", "", "application/jsonx", "application/xml"}) {
        const Read result = read(R"({"info":{"sequence":"s"}})", type);
        EXPECT_FALSE(result.sequence) << type;
        EXPECT_EQ(result.response.status, 415) << type;
        EXPECT_EQ(result.response.body, R"({"error":"Content-Type must be application/json"})");
    }
    EXPECT_TRUE(read(R"({"info":{"sequence":"s"}})", "application/json; charset=utf-8").sequence);
    EXPECT_TRUE(read(R"({"info":{"sequence":"s"}})", "Application/JSON").sequence);
}

TEST(SeedRequest, MalformedJsonIs400) {
    for (const std::string_view body : {"", "{", "{\"info\": }", "nul", "{\"info\":{\"sequence\":\"a\"}} x"}) {
        const Read result = read(body);
        EXPECT_FALSE(result.sequence) << body;
        EXPECT_EQ(result.response.status, 400) << body;
        EXPECT_TRUE(result.response.body.starts_with(R"({"error":"request body is not valid JSON)")) << result.response.body;
    }
}

TEST(SeedRequest, DeeplyNestedJsonIs400WithoutExhaustingTheStack) {
    EXPECT_EQ(read(std::string(100000, '[') + std::string(100000, ']')).response.status, 400);
    std::string deep_objects;
    for (int i = 0; i < 100000; ++i) deep_objects += "{\"a\":";
    EXPECT_EQ(read(deep_objects + "1" + std::string(100000, '}')).response.status, 400);
}

TEST(SeedRequest, NestingUpToTheLimitIsAccepted) {
    const int depth = kMaxJsonDepth - 2;
    EXPECT_EQ(read(R"({"info":{"sequence":"s"},"deep":)" + std::string(depth, '[') + std::string(depth, ']') + "}").sequence,
              "s");
}

TEST(SeedRequest, NestingBeyondTheLimitSaysSo) {
    const int depth = kMaxJsonDepth + 1;
    EXPECT_EQ(read(std::string(depth, '[') + std::string(depth, ']')).response.body,
              R"({"error":"request body is not valid JSON: nested deeper than 32 levels"})");
}

TEST(SeedRequest, InvalidUtf8Is400) {
    const Read result = read("{\"info\":{\"sequence\":\"\xff\xfe\"}}");
    EXPECT_EQ(result.response.status, 400);
    EXPECT_EQ(result.response.body, R"({"error":"request body is not valid UTF-8"})");
}

TEST(SeedRequest, AnyByteThatIsNotUtf8Is400WhereverItIs) {
    for (const std::string_view text : {"\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x28\xa1",
                                        "\x80", "\xf8\x88\x80\x80\x80"}) {
        const std::string in_string = "{\"info\":{\"sequence\":\"" + std::string(text) + "\"}}";
        EXPECT_EQ(read(in_string).response.body, R"({"error":"request body is not valid UTF-8"})") << in_string;
        const std::string outside = "{\"info\":{\"sequence\":\"s\"}}" + std::string(text);
        EXPECT_EQ(read(outside).response.body, R"({"error":"request body is not valid UTF-8"})") << outside;
    }
    EXPECT_EQ(read("{\"info\":{\"sequence\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"}}").sequence,
              "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
}

TEST(SeedRequest, AMissingOrNonStringSequenceIs422NamingTheField) {
    for (const std::string_view body : {R"({})", R"([])", R"({"info": 1})", R"({"info": {}})", R"({"info": {"sequence": 5}})",
                                        R"({"info": {"sequence": null}})", R"({"info": {"sequence": ["a"]}})",
                                        R"({"sequence": "first"})"}) {
        const Read result = read(body);
        EXPECT_EQ(result.response.status, 422) << body;
        EXPECT_EQ(result.response.body, R"({"error":"missing string field info.sequence"})") << body;
    }
}

}  // namespace
}  // namespace seed
