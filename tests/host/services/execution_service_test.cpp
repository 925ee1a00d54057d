// The execution service: what a handler sees of the request, the seed's log lines around
// it, and the barrier that turns every failure of a plugin into a 500 without detail.
#include "services/execution_service.hpp"

#include <gtest/gtest.h>

#include "contract/plugin_logger.hpp"
#include "support/log_capture.hpp"

#include <Poco/Exception.h>

#include <stdexcept>

namespace plugin_host {
namespace {

using plugin_api::Request;
using plugin_api::Response;

class ExecutionServiceTest : public ::testing::Test {
protected:
    /// Runs `handler` as the plugin `kv`'s route GET /kv/{key} for request_, `key` decoded as the router would.
    HttpResponse execute(plugin_api::Handler handler, std::string key = "a/b") {
        RouteTable::Match match;
        match.outcome = RouteTable::Outcome::found;
        match.endpoint = std::make_shared<const Endpoint>(
            Endpoint{nullptr, "kv", "GET", RouteTemplate::parse("/kv/{key}"), std::move(handler)});
        match.parameters.emplace_back("key", std::move(key));
        return service_.execute(match, request_);
    }

    HttpRequest make_request() {
        HttpRequest request;
        request.head.setMethod("GET");
        request.head.setURI("/kv/a%2Fb?x=1&y=a+b&x=2&flag");
        // As read_request_head() fills them: grouped by name in `head`, as sent in `fields`.
        for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
                 {"X-Twice", "one"}, {"Accept", "text/plain"}, {"X-Twice", "two"},
                 {"Content-Type", "text/plain; charset=utf-8"}}) {
            request.head.add(name, value);
            request.fields.emplace_back(name, value);
        }
        request.path = "/kv/a%2Fb";
        request.query = "x=1&y=a+b&x=2&flag";
        request.body = "body bytes\x01";
        request.client_address = "127.0.0.1:5555";
        return request;
    }

    test_support::LogCapture log_;
    ExecutionService service_{Poco::Logger::get("host.execution")};
    HttpRequest request_ = make_request();
};

TEST_F(ExecutionServiceTest, TheHandlerSeesTheWholeRequestBetweenTheStartAndFinishLines) {
    const HttpResponse response = execute([](const Request& request, Response& response) {
        EXPECT_EQ(request.method(), "GET");
        EXPECT_EQ(request.path(), "/kv/a%2Fb");
        EXPECT_EQ(request.path_parameter("key"), "a/b");
        EXPECT_EQ(request.path_parameter("missing"), std::nullopt);
        EXPECT_EQ(request.query_parameter("x"), "1");
        EXPECT_EQ(request.query_parameter("y"), "a b");
        EXPECT_EQ(request.query_parameter("flag"), "");
        EXPECT_EQ(request.query_parameter("none"), std::nullopt);
        EXPECT_EQ(request.query_parameters(),
                  (std::vector<plugin_api::Field>{{"x", "1"}, {"y", "a b"}, {"x", "2"}, {"flag", ""}}));
        EXPECT_EQ(request.header("accept"), "text/plain");  // any case
        EXPECT_EQ(request.header("X-Twice"), "one");
        EXPECT_EQ(request.header("X-Missing"), std::nullopt);
        EXPECT_EQ(request.headers(), (std::vector<plugin_api::Field>{{"X-Twice", "one"},
                                                                     {"Accept", "text/plain"},
                                                                     {"X-Twice", "two"},
                                                                     {"Content-Type", "text/plain; charset=utf-8"}}));
        EXPECT_EQ(request.content_type(), "text/plain; charset=utf-8");
        EXPECT_EQ(request.body(), "body bytes\x01");
        EXPECT_EQ(request.client_address(), "127.0.0.1:5555");
        response.set_status(201);
        response.set_header("X-A", "1");
        response.add_header("X-A", "2");
        response.set_header("ETag", "\"1\"");
        response.set_header("etag", "\"2\"");  // replaces, whatever the case
        response.set_content_type("text/csv");
        response.set_body("a,b\n");
    });
    EXPECT_EQ(response.status, 201);
    EXPECT_EQ(response.content_type, "text/csv");
    EXPECT_EQ(response.body, "a,b\n");
    EXPECT_EQ(response.headers, (std::vector<std::pair<std::string, std::string>>{
                                    {"X-A", "1"}, {"X-A", "2"}, {"etag", "\"2\""}}));
    EXPECT_EQ(log_.lines(), (std::vector<std::string>{"host.execution: Starting kv", "host.execution: Finished kv"}));
}

TEST_F(ExecutionServiceTest, AnswersJsonWithStatus200UnlessTheHandlerSaysOtherwise) {
    const HttpResponse response = execute([](const Request&, Response&) {});
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_TRUE(response.body.empty());
    EXPECT_TRUE(response.headers.empty());
}

TEST_F(ExecutionServiceTest, AnExceptionIs500WithoutItsDetailWhichGoesToTheLog) {
    const HttpResponse response =
        execute([](const Request&, Response&) { throw std::runtime_error("database password is hunter2"); });
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.body, R"({"error":"endpoint kv failed"})");
    EXPECT_TRUE(log_.contains("host.execution: Endpoint kv failed: database password is hunter2"));
    EXPECT_EQ(execute([](const Request&, Response&) { throw 42; }).status, 500);
    EXPECT_TRUE(log_.contains("host.execution: Endpoint kv failed with a non-standard exception"));
}

/// A channel that cannot write: every message throws, as a broken log can.
class ThrowingChannel final : public Poco::Channel {
public:
    void log(const Poco::Message&) override { throw Poco::IOException("the log cannot be written"); }
};

TEST_F(ExecutionServiceTest, ALoggerThatThrowsInsideTheHandlerIsHandledLikeAThrowingHandler) {
    Poco::Logger& poco_logger = Poco::Logger::get("plugin.kv");
    poco_logger.setChannel(new ThrowingChannel);
    PluginLogger logger("kv");
    const HttpResponse response = execute([&logger](const Request&, Response& response) {
        logger.information("about to answer");
        response.set_body("{}");
    });
    poco_logger.setChannel(nullptr);
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.body, R"({"error":"endpoint kv failed"})");
    EXPECT_TRUE(log_.contains("host.execution: Endpoint kv failed: I/O error: the log cannot be written"));
}

TEST_F(ExecutionServiceTest, AStatusOutside200To599Is500) {
    for (const int status : {0, 99, 100, 199, 600, 1000, -1}) {
        const HttpResponse response = execute([status](const Request&, Response& response) { response.set_status(status); });
        EXPECT_EQ(response.status, 500) << status;
    }
    EXPECT_TRUE(log_.contains("host.execution: Endpoint kv failed: it answered the status 1000, not one from 200 to 599"));
    for (const int status : {200, 204, 304, 418, 599}) {
        EXPECT_EQ(execute([status](const Request&, Response& response) { response.set_status(status); }).status, status);
    }
}

TEST_F(ExecutionServiceTest, AHeaderTheHostWritesOrAValueWithALineBreakIs500NamingIt) {
    for (const std::string name : {"Content-Length", "content-length", "Transfer-Encoding", "Connection", "Keep-Alive",
                                   "Upgrade", "TE", "Trailer", "Proxy-Connection", "Date", "Content-Type"}) {
        const HttpResponse response = execute([name](const Request&, Response& response) { response.set_header(name, "1"); });
        EXPECT_EQ(response.status, 500) << name;
        EXPECT_TRUE(log_.contains_text("Endpoint kv failed: it set the header " + name + ", which the host writes itself"))
            << name;
    }
    using namespace std::string_literals;
    for (const std::string& value : {"a\r\nSet-Cookie: x=1"s, "a\nb"s, "a\0b"s, "a\rb"s}) {
        EXPECT_EQ(execute([value](const Request&, Response& response) { response.add_header("X-Value", value); }).status,
                  500);
    }
    EXPECT_EQ(execute([](const Request&, Response& response) { response.set_header("Bad Name", "1"); }).status, 500);
    EXPECT_EQ(execute([](const Request&, Response& response) { response.set_content_type("text/plain\r\nX: 1"); }).status,
              500);
    EXPECT_EQ(execute([](const Request&, Response& response) { response.set_header("X-Tab", "a\tb"); }).status, 200);
}

TEST_F(ExecutionServiceTest, AQueryThatDoesNotDecodeIs400BeforeTheHandler) {
    request_.query = "x=%zz";
    bool called = false;
    const HttpResponse response = execute([&called](const Request&, Response&) { called = true; });
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body, R"({"error":"the query does not decode: a '%' is not followed by two hexadecimal digits"})");
    EXPECT_FALSE(called);
}

}  // namespace
}  // namespace plugin_host
