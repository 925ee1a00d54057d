// Reading a request head strictly (RFC 9112), over a socket pair: what is accepted, what is
// refused and with which status, and how the deadlines end a head that does not come.
#include "http/request_head.hpp"

#include "app/http_settings.hpp"

#include <gtest/gtest.h>

#include "support/socket_pair.hpp"

#include <string>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = ConnectionIo::Clock;
using Kind = HeadOutcome::Kind;

struct Read {
    HeadOutcome outcome;
    HttpRequest request;
    std::size_t left_over = 0;  ///< bytes after the head still buffered
};

/// Sends `bytes` (then ends the stream if `finish`) and reads one head with short deadlines.
Read read_head(const std::string& bytes, bool finish = false, std::chrono::milliseconds deadline = 2s) {
    test_support::SocketPair pair;
    pair.send(bytes);
    if (finish) pair.finish_sending();
    ConnectionIo io(pair.server());
    Read read;
    const auto now = Clock::now();
    read.outcome = result_of(read_request_head(io, http_settings(ServerConfig{}).head_limits, now + deadline, now + deadline, read.request));
    read.left_over = io.buffered();
    return read;
}

struct Refusal {
    std::string name;
    std::string bytes;
    int status;
    std::string error;  ///< the answer's body
};

class RefusedHead : public ::testing::TestWithParam<Refusal> {};

TEST_P(RefusedHead, IsAnsweredWithItsStatusAndClosesTheConnection) {
    const Read read = read_head(GetParam().bytes);
    ASSERT_EQ(read.outcome.kind, Kind::refused);
    ASSERT_TRUE(read.outcome.answer.has_value());
    EXPECT_EQ(read.outcome.answer->status, GetParam().status);
    EXPECT_EQ(read.outcome.answer->body, "{\"error\":\"" + GetParam().error + "\"}");
    EXPECT_TRUE(read.outcome.answer->close_connection);
}

const std::string kLine = "POST /first HTTP/1.1\r\nHost: test\r\n";

INSTANTIATE_TEST_SUITE_P(
    Rfc9112, RefusedHead,
    ::testing::Values(
        Refusal{"SpaceBeforeTheColon", kLine + "Transfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\nabc", 400,
                "malformed header: a field name must be a token, with nothing between it and its colon"},
        Refusal{"TabBeforeTheColon", kLine + "Transfer-Encoding\t: chunked\r\n\r\n", 400,
                "malformed header: a field name must be a token, with nothing between it and its colon"},
        Refusal{"NulInAFieldName", kLine + "X-A\0b: 1\r\n\r\n"s, 400,
                "malformed header: a field name must be a token, with nothing between it and its colon"},
        Refusal{"EmptyFieldName", kLine + ": value\r\n\r\n", 400,
                "malformed header: a field name must be a token, with nothing between it and its colon"},
        Refusal{"FieldLineWithoutAColon", kLine + "Content-Length 5\r\n\r\n", 400,
                "malformed header: a field line has no colon"},
        Refusal{"ObsoleteLineFolding", kLine + "X-Long: a\r\n  b\r\n\r\n", 400,
                "malformed header: obsolete line folding is not accepted"},
        Refusal{"NulInAFieldValue", kLine + "Content-Type: application/json\0x\r\n\r\n"s, 400,
                "malformed header: a field value holds a control character"},
        Refusal{"BareCrInAFieldValue", kLine + "X-A: a\rb\r\n\r\n", 400, "malformed header: a bare CR"},
        Refusal{"BareCrInTheRequestLine", "GET /a\rb HTTP/1.1\r\nHost: test\r\n\r\n", 400,
                "malformed request line: a bare CR"},
        Refusal{"ControlCharacterInTheTarget", "GET /heal\0thz HTTP/1.1\r\nHost: test\r\n\r\n"s, 400,
                "malformed request line: the request target holds a space, a control character or a byte beyond ASCII"},
        Refusal{"ByteBeyondAsciiInTheTarget", "GET /echo\xff/x?a\x80=b HTTP/1.1\r\nHost: test\r\n\r\n", 400,
                "malformed request line: the request target holds a space, a control character or a byte beyond ASCII"},
        Refusal{"SpaceBeforeTheMethod", " GET / HTTP/1.1\r\nHost: test\r\n\r\n", 400,
                "malformed request line: the method is not a token"},
        Refusal{"TwoSpacesAfterTheMethod", "GET  / HTTP/1.1\r\nHost: test\r\n\r\n", 400,
                "malformed request line: the request target holds a space, a control character or a byte beyond ASCII"},
        Refusal{"NoVersion", "GET /healthz\r\n\r\n", 400, "malformed request line: expected METHOD TARGET HTTP/1.1"},
        Refusal{"NotHttp", "GET / FOO/1.1\r\nHost: test\r\n\r\n", 400,
                "malformed request line: the HTTP version must be HTTP/1.1 or HTTP/1.0"},
        Refusal{"Http20", "GET / HTTP/2.0\r\nHost: test\r\n\r\n", 505,
                "HTTP version HTTP/2.0 is not supported (use HTTP/1.1)"},
        Refusal{"Http30", "GET / HTTP/3.0\r\nHost: test\r\n\r\n", 505,
                "HTTP version HTTP/3.0 is not supported (use HTTP/1.1)"},
        Refusal{"Http09", "GET / HTTP/0.9\r\nHost: test\r\n\r\n", 505,
                "HTTP version HTTP/0.9 is not supported (use HTTP/1.1)"},
        Refusal{"TargetBeyond16KiB", "GET /" + std::string(17000, 'u') + " HTTP/1.1\r\nHost: test\r\n\r\n", 414,
                "the request line is too long"},
        Refusal{"FieldBeyond8KiB", kLine + "X-Big: " + std::string(9000, 'b') + "\r\n\r\n", 431,
                "a header field is too long"},
        Refusal{"MoreThan100Fields",
                [] {
                    std::string fields;
                    for (int i = 0; i < 101; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
                    return kLine + fields + "\r\n";
                }(),
                431, "the request has too many header fields"}),
    [](const auto& info) { return info.param.name; });

TEST(RequestHead, ReadsTheRequestLineAndFieldsAndLeavesTheBody) {
    const Read read = read_head("POST /first?x=1 HTTP/1.1\r\nHost: test\r\nContent-Type:  application/json \r\n"
                                "Content-Length: 2\r\nX-Empty:\r\n\r\n{}");
    ASSERT_EQ(read.outcome.kind, Kind::complete);
    EXPECT_EQ(read.request.head.getMethod(), "POST");
    EXPECT_EQ(read.request.head.getURI(), "/first?x=1");
    EXPECT_EQ(read.request.head.getVersion(), "HTTP/1.1");
    EXPECT_EQ(read.request.head.get("host"), "test");  // any case
    EXPECT_EQ(read.request.head.getContentType(), "application/json");  // surrounding whitespace is not the value's
    EXPECT_EQ(read.request.head.get("X-Empty"), "");
    EXPECT_EQ(read.left_over, 2u);
}

TEST(RequestHead, EmptyLinesBeforeTheRequestLineAreIgnored) {
    const Read read = read_head("\r\n\r\nGET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    ASSERT_EQ(read.outcome.kind, Kind::complete);
    EXPECT_EQ(read.request.head.getURI(), "/healthz");
}

TEST(RequestHead, LineFeedAloneEndsALine) {
    const Read read = read_head("GET /healthz HTTP/1.0\nX-A: b\n\n");
    ASSERT_EQ(read.outcome.kind, Kind::complete);
    EXPECT_EQ(read.request.head.getVersion(), "HTTP/1.0");
    EXPECT_EQ(read.request.head.get("X-A"), "b");
}

TEST(RequestHead, RepeatedFieldsAreAllKept) {
    const Read read = read_head(kLine + "Connection: TE\r\nConnection: close\r\n\r\n");
    ASSERT_EQ(read.outcome.kind, Kind::complete);
    std::vector<std::string> values;
    for (auto field = read.request.head.find("Connection"); field != read.request.head.end() && field->first == "Connection";
         ++field) {
        values.push_back(field->second);
    }
    EXPECT_EQ(values, (std::vector<std::string>{"TE", "close"}));
}

TEST(RequestHead, FieldsAreKeptInTheOrderSent) {
    // Request::headers() promises the order sent; the Poco message groups repeated names.
    const Read read = read_head(kLine + "A: 1\r\nB: 2\r\nA: 3\r\n\r\n");
    ASSERT_EQ(read.outcome.kind, Kind::complete);
    using Fields = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(read.request.fields, (Fields{{"Host", "test"}, {"A", "1"}, {"B", "2"}, {"A", "3"}}));
}

TEST(RequestHead, ALaterHttp1MinorVersionIsReadAsHttp11) {
    // RFC 9110 §2.5: a recipient treats a higher minor version as the highest it implements.
    const Read read = read_head("GET /healthz HTTP/1.2\r\nHost: test\r\n\r\n");
    ASSERT_EQ(read.outcome.kind, Kind::complete);
    EXPECT_EQ(read.request.head.getVersion(), "HTTP/1.1");
}

TEST(RequestHead, NothingBeforeTheIdleDeadlineIsNoRequestAndNoAnswer) {
    const Read read = read_head("", false, 50ms);
    EXPECT_EQ(read.outcome.kind, Kind::no_request);
    EXPECT_FALSE(read.outcome.answer.has_value());
}

TEST(RequestHead, AClientThatClosesBeforeARequestIsNoRequest) {
    EXPECT_EQ(read_head("", true).outcome.kind, Kind::no_request);
    EXPECT_EQ(read_head("\r\n", true).outcome.kind, Kind::no_request);
}

TEST(RequestHead, AHeadNotCompleteAtItsDeadlineIs408) {
    const Read read = read_head("GET /healthz HTTP/1.1\r\nHost: te", false, 100ms);
    ASSERT_EQ(read.outcome.kind, Kind::refused);
    EXPECT_EQ(read.outcome.answer->status, 408);
    EXPECT_EQ(read.outcome.answer->body, R"({"error":"the request header did not arrive in time"})");
}

TEST(RequestHead, AHeadCutOffByTheClientIs400) {
    const Read read = read_head("GET /healthz HTTP/1.1\r\nHost: te", true);
    ASSERT_EQ(read.outcome.kind, Kind::refused);
    EXPECT_EQ(read.outcome.answer->status, 400);
    EXPECT_EQ(read.outcome.answer->body, R"({"error":"the request header is incomplete"})");
}

struct TargetCase {
    std::string target;
    std::string method;
    std::string path;   ///< empty: refused with 400
    std::string query;
};

class RequestTarget : public ::testing::TestWithParam<TargetCase> {};

TEST_P(RequestTarget, SplitsIntoPathAndQuery) {
    std::string path;
    std::string query;
    const auto refused = split_request_target(GetParam().target, GetParam().method, path, query);
    if (GetParam().path.empty()) {
        ASSERT_TRUE(refused.has_value()) << "path " << path;
        EXPECT_EQ(refused->status, 400);
        return;
    }
    ASSERT_FALSE(refused.has_value()) << refused->body;
    EXPECT_EQ(path, GetParam().path);
    EXPECT_EQ(query, GetParam().query);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9112, RequestTarget,
    ::testing::Values(TargetCase{"/first", "POST", "/first", ""},
                      TargetCase{"/items/a%2Fb?x=1&x=2", "GET", "/items/a%2Fb", "x=1&x=2"},
                      TargetCase{"/a?q#fragment", "GET", "/a", "q"},
                      TargetCase{"http://example.com/first", "POST", "/first", ""},
                      TargetCase{"HTTP://example.com:8991/first?x", "POST", "/first", "x"},
                      TargetCase{"https://example.com", "GET", "/", ""},
                      TargetCase{"http://example.com?q=1", "GET", "/", "q=1"},
                      TargetCase{"*", "OPTIONS", "*", ""},
                      TargetCase{"*", "GET", "", ""},
                      TargetCase{"first", "GET", "", ""},
                      TargetCase{"example.com:443", "CONNECT", "", ""},
                      TargetCase{"ftp://example.com/first", "GET", "", ""},
                      TargetCase{"http:///first", "GET", "", ""}));

}  // namespace
}  // namespace plugin_host
