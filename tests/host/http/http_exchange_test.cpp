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

TEST(ResponseHead, OfAClosingErrorAndItsBodyAreAWholeResponseThatCloses) {
    HttpResponse busy = closing_error(503, "the server is at capacity");
    busy.headers.emplace_back("Retry-After", "1");
    const std::string bytes = response_head(busy, Poco::Net::HTTPMessage::HTTP_1_1, false) + busy.body;
    EXPECT_TRUE(bytes.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << bytes;
    EXPECT_NE(bytes.find("Date: "), std::string::npos) << bytes;
    EXPECT_NE(bytes.find("Retry-After: 1\r\n"), std::string::npos) << bytes;
    EXPECT_NE(bytes.find("Connection: Close\r\n"), std::string::npos) << bytes;
    EXPECT_NE(bytes.find("Content-Length: 37\r\n"), std::string::npos) << bytes;
    EXPECT_TRUE(bytes.ends_with("\r\n\r\n{\"error\":\"the server is at capacity\"}")) << bytes;
}

TEST(ResponseHead, HasNoBodyFieldsForAStatusWithoutABody) {
    HttpResponse empty;
    empty.status = 204;
    empty.body = "ignored";
    const std::string head = response_head(empty, Poco::Net::HTTPMessage::HTTP_1_0, true);
    EXPECT_TRUE(head.starts_with("HTTP/1.0 204 No Content\r\n")) << head;
    EXPECT_NE(head.find("Connection: Keep-Alive\r\n"), std::string::npos) << head;
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
    EXPECT_EQ(head.find("Content-Type"), std::string::npos) << head;
    EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
}

}  // namespace
}  // namespace plugin_host
