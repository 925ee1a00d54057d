// The error bodies every refusal of the host carries: {"error":"..."}, valid JSON whatever
// the message holds.
#include "http/http_exchange.hpp"

#include <gtest/gtest.h>

namespace plugin_host {
namespace {

TEST(ErrorResponse, IsTheMessageAsAJsonObject) {
    const HttpResponse response = error_response(404, "no endpoint at /nowhere");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(response.body, R"({"error":"no endpoint at /nowhere"})");
}

TEST(ErrorResponse, EscapesQuotesBackslashesAndControlCharactersButNotSlashesOrUtf8) {
    EXPECT_EQ(error_response(400, "bad \"thing\" \\ a/b").body, R"({"error":"bad \"thing\" \\ a/b"})");
    EXPECT_EQ(error_response(400, std::string_view("a\nb\tc\x01", 6)).body, R"({"error":"a\nb\tc\u0001"})");
    EXPECT_EQ(error_response(400, "caf\xc3\xa9 \xe2\x82\xac").body, "{\"error\":\"caf\xc3\xa9 \xe2\x82\xac\"}");
}

TEST(ErrorResponse, BytesThatAreNotUtf8BecomeReplacementCharactersInsteadOfThrowing) {
    HttpResponse response;
    EXPECT_NO_THROW(response = error_response(404, "no endpoint at /\xff/a\xc3"));
    EXPECT_EQ(response.body, "{\"error\":\"no endpoint at /\xEF\xBF\xBD/a\xEF\xBF\xBD\"}");
}

TEST(ClosingErrorBytes, AreAWholeResponseThatClosesWithTheErrorBody) {
    const std::string bytes = closing_error_bytes(503, "the server is at capacity", {{"Retry-After", "1"}});
    EXPECT_TRUE(bytes.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << bytes;
    EXPECT_NE(bytes.find("Retry-After: 1\r\n"), std::string::npos) << bytes;
    EXPECT_NE(bytes.find("Connection: Close\r\n"), std::string::npos) << bytes;
    EXPECT_NE(bytes.find("Content-Length: 37\r\n"), std::string::npos) << bytes;
    EXPECT_TRUE(bytes.ends_with("\r\n\r\n{\"error\":\"the server is at capacity\"}")) << bytes;
}

}  // namespace
}  // namespace plugin_host
