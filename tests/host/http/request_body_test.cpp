// Request framing and bodies, over a socket pair: the framing a server must refuse (request
// smuggling), strict chunked decoding, limits and deadlines.
#include "http/request_body.hpp"

#include <gtest/gtest.h>

#include "http/request_head.hpp"
#include "support/socket_pair.hpp"

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using Clock = ConnectionIo::Clock;

struct Outcome {
    std::optional<HttpResponse> framing;  ///< check_framing()'s refusal
    std::optional<HttpResponse> body;     ///< read_body()'s refusal
    std::string bytes;                    ///< the body read
    std::size_t left_over = 0;            ///< bytes after the body still buffered
};

/// Sends `bytes` (then ends the stream if `finish`), reads the head, checks the framing and,
/// if it passes, reads the body (at most 1,024 bytes, within `deadline`).
Outcome exchange(const std::string& bytes, bool finish = false, std::chrono::milliseconds deadline = 2s) {
    test_support::SocketPair pair;
    pair.send(bytes);
    if (finish) pair.finish_sending();
    ConnectionIo io(pair.server());
    Poco::Net::HTTPRequest request;
    const auto now = Clock::now();
    const HeadOutcome head = read_request_head(io, HeadLimits{}, now + 2s, now + 2s, request);
    EXPECT_EQ(head.kind, HeadOutcome::Kind::complete);
    Outcome outcome;
    outcome.framing = check_framing(request);
    if (!outcome.framing) outcome.body = read_body(io, request, BodyLimits{1024, now + deadline, 2s}, outcome.bytes);
    outcome.left_over = io.buffered();
    return outcome;
}

std::string post(const std::string& framing) {
    return "POST /first HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n" + framing + "\r\n";
}

int framing_status(const std::string& bytes) {
    const Outcome outcome = exchange(bytes);
    EXPECT_TRUE(!outcome.framing || outcome.framing->close_connection);
    return outcome.framing ? outcome.framing->status : 0;
}

int body_status(const std::string& bytes, bool finish = false) {
    const Outcome outcome = exchange(bytes, finish);
    EXPECT_FALSE(outcome.framing.has_value()) << outcome.framing->body;
    EXPECT_TRUE(!outcome.body || outcome.body->close_connection);
    return outcome.body ? outcome.body->status : 0;
}

TEST(RequestBody, ChunkedBodyIsDecodedWithExtensionsAndTrailers) {
    const Outcome outcome = exchange(post("Transfer-Encoding: chunked\r\n") +
                                     "3\r\nabc\r\n10;ext=1\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\nGET");
    ASSERT_FALSE(outcome.body.has_value()) << outcome.body->body;
    EXPECT_EQ(outcome.bytes, "abc0123456789abcdef");
    EXPECT_EQ(outcome.left_over, 3u);  // the next request's first bytes stay for it
}

TEST(RequestBody, FixedLengthBodyLeavesWhatFollows) {
    const Outcome outcome = exchange(post("Content-Length: 2\r\n") + "{}GET");
    ASSERT_FALSE(outcome.body.has_value());
    EXPECT_EQ(outcome.bytes, "{}");
    EXPECT_EQ(outcome.left_over, 3u);
}

TEST(RequestBody, MalformedChunkSizeIs400AndNothingAfterItIsTakenForARequest) {
    // A lenient decoder ends the body at "zz" and would serve the rest as a request.
    const Outcome outcome =
        exchange(post("Transfer-Encoding: chunked\r\n") + "zz\r\nGET /healthz HTTP/1.1\r\nHost: test\r\n\r\n0\r\n\r\n");
    ASSERT_TRUE(outcome.body.has_value());
    EXPECT_EQ(outcome.body->status, 400);
    EXPECT_EQ(outcome.body->body,
              R"({"error":"malformed chunked body: a chunk does not start with its size in hexadecimal"})");
}

TEST(RequestBody, ChunkLongerThanItsSizeIs400) {
    EXPECT_EQ(body_status(post("Transfer-Encoding: chunked\r\n") + "2\r\nabcd\r\n0\r\n\r\n"), 400);
}

TEST(RequestBody, ChunkedBodyCutOffIs400) {
    const Outcome outcome = exchange(post("Transfer-Encoding: chunked\r\n") + "a\r\n{}", true);
    ASSERT_TRUE(outcome.body.has_value());
    EXPECT_EQ(outcome.body->status, 400);
    EXPECT_EQ(outcome.body->body, R"({"error":"malformed chunked body: the body ends inside a chunk"})");
}

TEST(RequestBody, ChunkSizeBeyondTheLimitIs413BeforeReadingIt) {
    EXPECT_EQ(body_status(post("Transfer-Encoding: chunked\r\n") + "ffffffffffffffffffff\r\n"), 413);
    EXPECT_EQ(body_status(post("Transfer-Encoding: chunked\r\n") + "401\r\n"), 413);  // 1025 > 1024
}

TEST(RequestBody, ContentLengthBeyondTheLimitIs413BeforeReadingIt) {
    EXPECT_EQ(body_status(post("Content-Length: 1025\r\n")), 413);
}

TEST(RequestBody, TransferEncodingOtherThanChunkedIsRefused) {
    EXPECT_EQ(framing_status(post("Transfer-Encoding: gzip\r\n") + "{}"), 400);
    EXPECT_EQ(framing_status(post("Transfer-Encoding: gzip, chunked\r\n") + "2\r\n{}\r\n0\r\n\r\n"), 501);
    EXPECT_EQ(framing_status(post("Transfer-Encoding: chunked, gzip\r\n") + "2\r\n{}\r\n0\r\n\r\n"), 400);
}

TEST(RequestBody, TransferEncodingWithContentLengthIs400) {
    const Outcome outcome = exchange(post("Transfer-Encoding: chunked\r\nContent-Length: 2\r\n") + "2\r\n{}\r\n0\r\n\r\n");
    ASSERT_TRUE(outcome.framing.has_value());
    EXPECT_EQ(outcome.framing->status, 400);
    EXPECT_EQ(outcome.framing->body, R"({"error":"a request must not have both Transfer-Encoding and Content-Length"})");
}

TEST(RequestBody, TransferEncodingInHttp10Is400) {
    EXPECT_EQ(framing_status("POST /first HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400);
}

class ContentLength : public ::testing::TestWithParam<std::string> {};

TEST_P(ContentLength, ThatIsNotOneDecimalNumberIs400) {
    const Outcome outcome = exchange(post("Content-Length: " + GetParam() + "\r\n") + "{}");
    ASSERT_TRUE(outcome.framing.has_value()) << GetParam();
    EXPECT_EQ(outcome.framing->status, 400);
    EXPECT_EQ(outcome.framing->body, R"({"error":"Content-Length is not a decimal number"})");
}

INSTANTIATE_TEST_SUITE_P(Rfc9110, ContentLength,
                         ::testing::Values("31, 31", "abc", "0x1d", "31 x", "1e3", "12345678901234567890", "-2", "+2",
                                           ""));

TEST(RequestBody, SeveralDifferentContentLengthsAre400) {
    EXPECT_EQ(framing_status(post("Content-Length: 2\r\nContent-Length: 3\r\n") + "{}x"), 400);
}

TEST(RequestBody, RepeatedEqualContentLengthIsAccepted) {
    const Outcome outcome = exchange(post("Content-Length: 2\r\nContent-Length: 2\r\n") + "{}");
    EXPECT_FALSE(outcome.framing.has_value());
    EXPECT_FALSE(outcome.body.has_value());
    EXPECT_EQ(outcome.bytes, "{}");
}

TEST(RequestBody, ShortBodyIs400WhenTheClientStopsSending) {
    EXPECT_EQ(body_status(post("Content-Length: 10\r\n") + "{}", true), 400);
}

TEST(RequestBody, ShortBodyIs408AtItsDeadline) {
    const Outcome outcome = exchange(post("Content-Length: 10\r\n") + "{}", false, 100ms);
    ASSERT_TRUE(outcome.body.has_value());
    EXPECT_EQ(outcome.body->status, 408);
    EXPECT_EQ(outcome.body->body, R"({"error":"the request body did not arrive in time"})");
}

TEST(RequestBody, Http11WithoutExactlyOneHostIs400) {
    EXPECT_EQ(framing_status("GET /healthz HTTP/1.1\r\n\r\n"), 400);
    EXPECT_EQ(framing_status("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
}

TEST(RequestBody, Http10NeedsNoHost) { EXPECT_EQ(framing_status("GET /healthz HTTP/1.0\r\n\r\n"), 0); }

TEST(RequestBody, PostPutAndPatchWithoutALengthAre411) {
    EXPECT_EQ(body_status(post("")), 411);
    EXPECT_EQ(body_status("PUT /kv/a HTTP/1.1\r\nHost: test\r\n\r\n"), 411);
    EXPECT_EQ(body_status("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"), 0);  // no body, nothing to read
}

}  // namespace
}  // namespace plugin_host
