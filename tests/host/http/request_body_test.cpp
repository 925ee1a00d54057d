// Request framing and bodies over raw sockets: what Poco lets through and the host must not.
#include "http/request_body.hpp"

#include <gtest/gtest.h>

#include "support/gated_server.hpp"
#include "support/http_client.hpp"
#include "support/raw_client.hpp"

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using test_support::GatedServer;
using test_support::parse_responses;
using test_support::RawClient;

struct Exchange {
    std::vector<test_support::RawResponse> responses;
    bool closed = false;
};

/// Sends `raw` on a new connection and reads until the server closes (at most 3 s).
Exchange exchange(std::uint16_t port, const std::string& raw) {
    RawClient client(port);
    client.send(raw);
    const auto received = client.read_until_closed(3s);
    return {parse_responses(received.bytes), received.closed};
}

std::string echo_head(const std::string& framing) {
    return "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n" + framing + "\r\n";
}

class RequestBodyTest : public ::testing::Test {
protected:
    /// The only response to `raw`; the connection must be closed after it.
    test_support::RawResponse only_response(const std::string& raw) {
        const Exchange result = exchange(server_.port(), raw);
        EXPECT_TRUE(result.closed);
        EXPECT_EQ(result.responses.size(), 1u);
        return result.responses.empty() ? test_support::RawResponse{} : result.responses[0];
    }

    GatedServer server_;
};

TEST_F(RequestBodyTest, ChunkedBodyIsDecoded) {
    const auto result = exchange(server_.port(), echo_head("Transfer-Encoding: chunked\r\nConnection: close\r\n") +
                                                     "3\r\nabc\r\n10;ext=1\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n");
    ASSERT_EQ(result.responses.size(), 1u);
    EXPECT_EQ(result.responses[0].status, 200);
    EXPECT_EQ(result.responses[0].body, R"({"bytes":19})");
}

TEST_F(RequestBodyTest, ChunkedBodyKeepsTheConnectionForTheNextRequest) {
    const auto result = exchange(server_.port(), echo_head("Transfer-Encoding: chunked\r\n") + "2\r\n{}\r\n0\r\n\r\n" +
                                                     "GET /ping HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    ASSERT_EQ(result.responses.size(), 2u);
    EXPECT_EQ(result.responses[0].body, R"({"bytes":2})");
    EXPECT_EQ(result.responses[1].body, R"({"pong":true})");
}

TEST_F(RequestBodyTest, MalformedChunkSizeIs400AndNothingAfterItIsTakenForARequest) {
    // Poco's own chunked stream ends the body at "zz" and would serve the rest as a request.
    const auto response = only_response(echo_head("Transfer-Encoding: chunked\r\n") +
                                        "zz\r\nGET /ping HTTP/1.1\r\nHost: test\r\n\r\n0\r\n\r\n");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body, R"({"error":"malformed chunked body: a chunk does not start with its size in hexadecimal"})");
}

TEST_F(RequestBodyTest, ChunkLongerThanItsSizeIs400) {
    EXPECT_EQ(only_response(echo_head("Transfer-Encoding: chunked\r\n") + "2\r\nabcd\r\n0\r\n\r\n").status, 400);
}

TEST_F(RequestBodyTest, ChunkedBodyCutOffIs400) {
    RawClient client(server_.port());
    client.send(echo_head("Transfer-Encoding: chunked\r\n") + "a\r\n{}");
    client.finish_sending();
    const auto responses = parse_responses(client.read_until_closed(3s).bytes);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 400);
    EXPECT_EQ(responses[0].body, R"({"error":"malformed chunked body: the body ends inside a chunk"})");
}

TEST_F(RequestBodyTest, ChunkSizeBeyondTheLimitIs413BeforeReadingIt) {
    EXPECT_EQ(only_response(echo_head("Transfer-Encoding: chunked\r\n") + "ffffffffffffffffffff\r\n").status, 413);
    EXPECT_EQ(only_response(echo_head("Transfer-Encoding: chunked\r\n") + "401\r\n").status, 413);  // 1025 > 1024
}

TEST_F(RequestBodyTest, TransferEncodingOtherThanChunkedIsRefused) {
    EXPECT_EQ(only_response(echo_head("Transfer-Encoding: gzip\r\n") + "{}").status, 400);
    EXPECT_EQ(only_response(echo_head("Transfer-Encoding: gzip, chunked\r\n") + "2\r\n{}\r\n0\r\n\r\n").status, 501);
    EXPECT_EQ(only_response(echo_head("Transfer-Encoding: chunked, gzip\r\n") + "2\r\n{}\r\n0\r\n\r\n").status, 400);
}

TEST_F(RequestBodyTest, TransferEncodingWithContentLengthIs400) {
    const auto response = only_response(echo_head("Transfer-Encoding: chunked\r\nContent-Length: 2\r\n") + "2\r\n{}\r\n0\r\n\r\n");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body, R"({"error":"a request must not have both Transfer-Encoding and Content-Length"})");
}

TEST_F(RequestBodyTest, ContentLengthMustBeOneDecimalNumber) {
    EXPECT_EQ(only_response(echo_head("Content-Length: -2\r\n") + "{}").status, 400);
    EXPECT_EQ(only_response(echo_head("Content-Length: +2\r\n") + "{}").status, 400);
    EXPECT_EQ(only_response(echo_head("Content-Length: 2\r\nContent-Length: 3\r\n") + "{}x").status, 400);
}

TEST_F(RequestBodyTest, RepeatedEqualContentLengthIsAccepted) {
    const auto result = exchange(server_.port(), echo_head("Content-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n") + "{}");
    ASSERT_EQ(result.responses.size(), 1u);
    EXPECT_EQ(result.responses[0].status, 200);
}

TEST_F(RequestBodyTest, ShortBodyIs400WhenTheClientStopsSending) {
    RawClient client(server_.port());
    client.send(echo_head("Content-Length: 10\r\n") + "{}");
    client.finish_sending();
    const auto responses = parse_responses(client.read_until_closed(3s).bytes);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 400);
}

TEST_F(RequestBodyTest, UnsupportedHttpVersionIs505AnsweredInHttp11) {
    const auto response = only_response("GET /ping HTTP/2.0\r\nHost: test\r\n\r\n");
    EXPECT_EQ(response.status, 505);
    EXPECT_TRUE(response.head.starts_with("HTTP/1.1 505")) << response.head;
}

TEST_F(RequestBodyTest, MalformedHttpVersionIs400) {
    const auto response = only_response("GET /ping FOO/1.1\r\nHost: test\r\n\r\n");
    EXPECT_EQ(response.status, 400);
    EXPECT_TRUE(response.head.starts_with("HTTP/1.1 400")) << response.head;
}

TEST_F(RequestBodyTest, Http11WithoutExactlyOneHostIs400) {
    EXPECT_EQ(only_response("GET /ping HTTP/1.1\r\n\r\n").status, 400);
    EXPECT_EQ(only_response("GET /ping HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status, 400);
}

TEST_F(RequestBodyTest, Http10NeedsNoHost) {
    const auto result = exchange(server_.port(), "GET /ping HTTP/1.0\r\n\r\n");
    ASSERT_EQ(result.responses.size(), 1u);
    EXPECT_EQ(result.responses[0].status, 200);
}

TEST_F(RequestBodyTest, ExpectContinueIsAnsweredOnlyForABodyThatWillBeRead) {
    RawClient accepted(server_.port());
    accepted.send(echo_head("Content-Length: 2\r\nExpect: 100-continue\r\n"));
    EXPECT_EQ(parse_responses(accepted.read_responses(1, 2s).bytes)[0].status, 100);

    RawClient refused(server_.port());
    refused.send(echo_head("Content-Length: 5000\r\nExpect: 100-continue\r\n"));
    const auto responses = parse_responses(refused.read_until_closed(3s).bytes);
    ASSERT_EQ(responses.size(), 1u);  // no 100 Continue first
    EXPECT_EQ(responses[0].status, 413);
}

TEST_F(RequestBodyTest, PostWithoutLengthIs411) {
    EXPECT_EQ(only_response(echo_head("")).status, 411);
}

}  // namespace
}  // namespace plugin_host
