#include "services/execution_service.hpp"

#include <gtest/gtest.h>

#include "support/log_capture.hpp"

#include <stdexcept>

namespace plugin_host {
namespace {

class ExecutionServiceTest : public ::testing::Test {
protected:
    plugin_api::Reply execute(std::string_view body) {
        return service_.execute("first", body, [this](const plugin_api::Payload& payload) {
            ++calls_;
            sequence_ = std::string(payload.sequence);
            body_ = std::string(payload.body);
            return plugin_api::Reply{200, R"({"result":"ok"})"};
        });
    }

    test_support::LogCapture log_;
    ExecutionService service_{Poco::Logger::get("host.execution")};
    int calls_ = 0;
    std::string sequence_;
    std::string body_;
};

TEST_F(ExecutionServiceTest, ValidBodyReachesTheCallbackBetweenStartAndFinishLines) {
    const std::string body = R"({"info": {"sequence": "first"}, "extra": [1, 2]})";
    const plugin_api::Reply reply = execute(body);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, R"({"result":"ok"})");
    EXPECT_EQ(calls_, 1);
    EXPECT_EQ(sequence_, "first");
    EXPECT_EQ(body_, body);
    EXPECT_EQ(log_.lines(), (std::vector<std::string>{"host.execution: Starting first",
                                                      "host.execution: Finished first"}));
}

TEST_F(ExecutionServiceTest, MalformedJsonIs400AndTheCallbackIsNotCalled) {
    for (const std::string_view body : {"", "{", "{\"info\": }", "nul", "{\"info\":{\"sequence\":\"a\"}} x"}) {
        const plugin_api::Reply reply = execute(body);
        EXPECT_EQ(reply.status, 400) << body;
        EXPECT_TRUE(reply.body.starts_with(R"({"error":"request body is not valid JSON)")) << reply.body;
    }
    EXPECT_EQ(calls_, 0);
}

TEST_F(ExecutionServiceTest, DeeplyNestedJsonIs400WithoutExhaustingTheStack) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    EXPECT_EQ(execute(deep).status, 400);
    const std::string deep_objects = [] {
        std::string text;
        for (int i = 0; i < 100000; ++i) text += "{\"a\":";
        return text + "1" + std::string(100000, '}');
    }();
    EXPECT_EQ(execute(deep_objects).status, 400);
    EXPECT_EQ(calls_, 0);
}

TEST_F(ExecutionServiceTest, NestingUpToTheLimitIsAccepted) {
    std::string body = R"({"info":{"sequence":"s"},"deep":)";
    const int depth = ExecutionService::kMaxJsonDepth - 2;
    body += std::string(depth, '[') + std::string(depth, ']') + "}";
    EXPECT_EQ(execute(body).status, 200);
}

TEST_F(ExecutionServiceTest, InvalidUtf8Is400) {
    const plugin_api::Reply reply = execute("{\"info\":{\"sequence\":\"\xff\xfe\"}}");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.body, R"({"error":"request body is not valid UTF-8"})");
    EXPECT_EQ(calls_, 0);
}

TEST_F(ExecutionServiceTest, MissingOrNonStringSequenceIs422NamingTheField) {
    for (const std::string_view body :
         {R"({})", R"([])", R"({"info": 1})", R"({"info": {}})",
          R"({"info": {"sequence": 5}})", R"({"info": {"sequence": null}})",
          R"({"info": {"sequence": ["a"]}})", R"({"sequence": "first"})"}) {
        const plugin_api::Reply reply = execute(body);
        EXPECT_EQ(reply.status, 422) << body;
        EXPECT_EQ(reply.body, R"({"error":"missing string field info.sequence"})") << body;
    }
    EXPECT_EQ(calls_, 0);
}

TEST_F(ExecutionServiceTest, CallbackThrowingStdExceptionIs500WithoutDetailButLogged) {
    const plugin_api::Reply reply =
        service_.execute("first", R"({"info":{"sequence":"s"}})",
                         [](const plugin_api::Payload&) -> plugin_api::Reply {
                             throw std::runtime_error("password=hunter2");
                         });
    EXPECT_EQ(reply.status, 500);
    EXPECT_EQ(reply.body, R"({"error":"endpoint first failed"})");
    EXPECT_TRUE(log_.contains("host.execution: Endpoint first failed: password=hunter2"));
}

TEST_F(ExecutionServiceTest, CallbackThrowingAnythingElseIs500) {
    const plugin_api::Reply reply = service_.execute(
        "first", R"({"info":{"sequence":"s"}})",
        [](const plugin_api::Payload&) -> plugin_api::Reply { throw 42; });
    EXPECT_EQ(reply.status, 500);
    EXPECT_EQ(reply.body, R"({"error":"endpoint first failed"})");
}

TEST_F(ExecutionServiceTest, CallbackAnsweringAnImpossibleStatusIs500) {
    const plugin_api::Reply reply = service_.execute(
        "first", R"({"info":{"sequence":"s"}})",
        [](const plugin_api::Payload&) { return plugin_api::Reply{42, "{}"}; });
    EXPECT_EQ(reply.status, 500);
}

}  // namespace
}  // namespace plugin_host
