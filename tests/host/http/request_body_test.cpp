// Request framing and bodies, over a socket pair: the framing a server must refuse (request
// smuggling), strict chunked decoding, limits and deadlines.
#include "http/request_body.hpp"

#include <gtest/gtest.h>

#include "app/http_settings.hpp"
#include "http/request_head.hpp"
#include "support/socket_pair.hpp"

#include <sstream>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = ConnectionIo::Clock;

struct Outcome {
    std::optional<HttpResponse> framing;  ///< check_framing()'s refusal
    std::optional<HttpResponse> body;     ///< read_body()'s refusal
    std::string bytes;                    ///< the body read
    std::size_t left_over = 0;            ///< bytes after the body still buffered
    std::size_t capacity = 0;             ///< the memory the body took
};

/// Sends `bytes` (then ends the stream if `finish`), reads the head, checks the framing and,
/// if it passes, reads the body (at most 1,024 bytes, within `deadline`).
Outcome exchange(const std::string& bytes, bool finish = false, std::chrono::milliseconds deadline = 2s,
                 std::size_t max_bytes = 1024) {
    test_support::SocketPair pair;
    pair.send(bytes);
    if (finish) pair.finish_sending();
    ConnectionIo io(pair.server());
    HttpRequest request;
    const auto now = Clock::now();
    const HttpSettings defaults = http_settings(ServerConfig{});
    HeadOutcome head = result_of(read_request_head(io, defaults.head_limits, now + 2s, now + 2s, request));
    EXPECT_EQ(head.kind, HeadOutcome::Kind::complete);
    Outcome outcome;
    outcome.framing = check_framing(request.head);
    if (!outcome.framing) {
        const BodyLimits limits{max_bytes, now + deadline, 2s, defaults.chunk_limits};
        outcome.body = result_of(read_body(io, request.head, limits, outcome.bytes));
    }
    outcome.left_over = io.buffered();
    outcome.capacity = outcome.bytes.capacity();
    return outcome;
}

std::string post(const std::string& framing) {
    return "POST /first HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n" + framing + "\r\n";
}

const std::string kChunked = "Transfer-Encoding: chunked\r\n";

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

TEST(RequestBody, PostPutAndPatchWithoutALengthHaveAnEmptyBody) {
    // RFC 9112 §6.3: neither Content-Length nor Transfer-Encoding means a body of length zero.
    for (const std::string& request :
         {post(""), "PUT /kv/a HTTP/1.1\r\nHost: test\r\n\r\n"s, "PATCH /kv/a HTTP/1.0\r\n\r\n"s}) {
        const Outcome outcome = exchange(request + "GET");
        EXPECT_FALSE(outcome.framing.has_value()) << request;
        EXPECT_FALSE(outcome.body.has_value()) << request;
        EXPECT_EQ(outcome.bytes, "") << request;
        EXPECT_EQ(outcome.left_over, 3u) << request;  // what follows is the next request
    }
}

TEST(RequestBody, ALineOfAChunkedBodyEndedByABareLineFeedIs400) {
    // RFC 9112 §7.1: every line of the chunked coding ends in CRLF; a front server that
    // took LF alone for the end would frame the body differently (request smuggling).
    for (const std::string& body : {"3\nabc\r\n0\r\n\r\n"s, "3\r\nabc\n0\r\n\r\n"s, "3\r\nabc\r\n0\n\r\n"s,
                                    "3\r\nabc\r\n0\r\n\n"s, "3\r\nabc\r\n0\r\nX-T: 1\n\r\n"s,
                                    "3;ext=1\nabc\r\n0\r\n\r\n"s}) {
        const Outcome outcome = exchange(post(kChunked) + body);
        ASSERT_TRUE(outcome.body.has_value()) << body;
        EXPECT_EQ(outcome.body->status, 400) << body;
        EXPECT_EQ(outcome.body->body, R"({"error":"malformed chunked body: a line ends in LF without CR"})") << body;
    }
}

TEST(RequestBody, ALengthAnnouncedCostsNothingUntilItsBytesArrive) {
    // With max_body_bytes at 1 GiB, a client announcing nearly that much and sending two
    // bytes must not make the host take the announced gigabyte.
    constexpr std::size_t kGiB = 1024 * 1024 * 1024;
    for (const std::string& request : {post("Content-Length: 1073741000\r\n") + "{}",
                                       post(kChunked) + "3FFFFFFF\r\n{}"}) {
        const Outcome outcome = exchange(request, true, 2s, kGiB);
        ASSERT_TRUE(outcome.body.has_value()) << request;
        EXPECT_EQ(outcome.body->status, 400) << request;
        EXPECT_LE(outcome.capacity, 2 * ConnectionIo::kReadPiece) << request;
    }
}

TEST(RequestBody, ABodyLargerThanOnePieceIsReadWhole) {
    const std::string data(2 * ConnectionIo::kReadPiece + 5, 'b');  // fits the socket pair's buffer
    const std::size_t limit = 3 * ConnectionIo::kReadPiece;
    const Outcome fixed = exchange(post("Content-Length: " + std::to_string(data.size()) + "\r\n") + data, false, 2s, limit);
    EXPECT_FALSE(fixed.body.has_value());
    EXPECT_EQ(fixed.bytes, data);
    std::ostringstream size;
    size << std::hex << data.size();
    const Outcome chunked = exchange(post(kChunked) + size.str() + "\r\n" + data + "\r\n0\r\n\r\n", false, 2s, limit);
    EXPECT_FALSE(chunked.body.has_value());
    EXPECT_EQ(chunked.bytes, data);
}

TEST(RequestBody, ChunkExtensionsFollowTheirGrammar) {
    const Outcome good = exchange(post(kChunked) + "3 ; a=1 ;b; c=\"q \\\" ;\"\r\nabc\r\n0;last\r\n\r\n");
    EXPECT_FALSE(good.body.has_value()) << good.body->body;
    EXPECT_EQ(good.bytes, "abc");
    for (const std::string& extension : {"3;a\0b"s, "3;a=\x01"s, "3;"s, "3;=1"s, "3;a=\"open"s, "3 "s, "3;a=b c"s,
                                         "3;a=\"\x7f\""s}) {
        EXPECT_EQ(body_status(post(kChunked) + extension + "\r\nabc\r\n0\r\n\r\n"), 400) << extension;
    }
}

TEST(RequestBody, ChunkExtensionsBeyondTheirBudgetAre400) {
    // Many one-byte chunks, each with a long extension, would cost far more to parse than
    // max_body_bytes says: extensions have a budget of 4 KiB for the whole body.
    std::string body;
    for (int chunk = 0; chunk < 5; ++chunk) body += "1;e=" + std::string(1000, 'x') + "\r\na\r\n";
    const Outcome outcome = exchange(post(kChunked) + body + "0\r\n\r\n");
    ASSERT_TRUE(outcome.body.has_value());
    EXPECT_EQ(outcome.body->status, 400);
    EXPECT_EQ(outcome.body->body, R"({"error":"malformed chunked body: chunk extensions exceed 4096 bytes"})");
}

TEST(RequestBody, TrailerFieldsAreCheckedAsHeaderFields) {
    for (const std::string& trailer : {"X-T: a\rb"s, "X-T: a\0b"s, "X T: a"s, "X-T a"s, " X-T: a"s}) {
        EXPECT_EQ(body_status(post(kChunked) + "0\r\n" + trailer + "\r\n\r\n"), 400) << trailer;
    }
    std::string many;
    for (int field = 0; field < 101; ++field) many += "X-" + std::to_string(field) + ": v\r\n";
    EXPECT_EQ(body_status(post(kChunked) + "0\r\n" + many + "\r\n"), 431);
    std::string large;
    for (int field = 0; field < 3; ++field) large += "X-" + std::to_string(field) + ": " + std::string(6000, 'v') + "\r\n";
    EXPECT_EQ(body_status(post(kChunked) + "0\r\n" + large + "\r\n"), 431);
}

TEST(RequestBody, EmptyElementsOfTransferEncodingAreIgnored) {
    // RFC 9110 §5.6.1: a recipient ignores empty list elements.
    const Outcome outcome = exchange(post("Transfer-Encoding: chunked,\r\n") + "2\r\n{}\r\n0\r\n\r\n");
    EXPECT_FALSE(outcome.framing.has_value()) << outcome.framing->body;
    EXPECT_EQ(outcome.bytes, "{}");
    EXPECT_EQ(framing_status(post("Transfer-Encoding: , chunked\r\n") + "0\r\n\r\n"), 0);
    EXPECT_EQ(framing_status(post("Transfer-Encoding: ,\r\n") + "0\r\n\r\n"), 400);
}

TEST(RequestBody, ChunkedAppliedTwiceIs400) {
    EXPECT_EQ(framing_status(post("Transfer-Encoding: chunked, chunked\r\n") + "0\r\n\r\n"), 400);
    EXPECT_EQ(framing_status(post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\n"), 400);
    EXPECT_EQ(framing_status(post("Transfer-Encoding: chunked;x=1\r\n") + "0\r\n\r\n"), 400);
}

}  // namespace
}  // namespace plugin_host
