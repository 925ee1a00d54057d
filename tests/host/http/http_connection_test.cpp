// One client connection through the real Host on a loopback port, over raw sockets: the
// deadlines, keep-alive and pipelining, and the parts of HTTP/1.1 a client meets (HEAD,
// the absolute form, empty lines, Connection options, expectations, a write that cannot
// complete).
#include "http/http_connection.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/raw_client.hpp"
#include "support/test_host.hpp"

#include <future>
#include <thread>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using test_support::parse_responses;
using test_support::RawClient;
using test_support::scaled;
using Clock = std::chrono::steady_clock;

const std::string kHealth = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";
const std::string kSeedBody = R"({"info":{"sequence":"first"}})";

/// The seed's POST /first, with `extra_headers` ("Name: value\r\n" lines).
std::string post_first(const std::string& extra_headers = "", const std::string& target = "/first",
                       const std::string& version = "HTTP/1.1") {
    return "POST " + target + " " + version + "\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(kSeedBody.size()) + "\r\n" + extra_headers + "\r\n" + kSeedBody;
}

/// keep-alive 2000 ms, header 1000 ms, body 1000 ms: a header must be complete 3000 ms after
/// the connection opens or after the last response.
std::string host_ini(const std::string& extra_server_keys = "", int delay_ms = 0) {
    return test_support::test_server_ini(delay_ms, "header_timeout_ms = 1000\nbody_timeout_ms = 1000\n" +
                                                       extra_server_keys) +
           test_support::seed_plugins_ini();
}

class HttpConnectionTest : public ::testing::Test {
protected:
    test_support::RunningHost host_{host_ini()};
};

TEST_F(HttpConnectionTest, SlowHeaderIsAnswered408AndClosedAtItsDeadline) {
    RawClient slow(host_.port());
    const auto started = Clock::now();
    auto sending = std::async(std::launch::async, [&slow] { return slow.send_slowly(kHealth, 200ms, scaled(10s)); });
    const auto received = slow.read_until_closed(scaled(6s));
    const auto elapsed = Clock::now() - started;
    sending.get();

    EXPECT_TRUE(received.closed);
    const auto responses = parse_responses(received.bytes);
    ASSERT_EQ(responses.size(), 1u) << received.bytes;
    EXPECT_EQ(responses[0].status, 408);
    EXPECT_EQ(responses[0].body, R"({"error":"the request header did not arrive in time"})");
    EXPECT_GE(elapsed, 2900ms);
    EXPECT_LT(elapsed, scaled(4000ms));
    EXPECT_EQ(test_support::send_request(host_.port(), "GET", "/healthz").status, 200);
}

TEST_F(HttpConnectionTest, HeaderCompletedBeforeItsDeadlineIsServed) {
    RawClient client(host_.port());
    ASSERT_TRUE(client.send_slowly(kHealth, 25ms, scaled(5s)));  // about 1 s of the 3 s for the whole header
    const auto responses = parse_responses(client.read_responses(1, scaled(3s)).bytes);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 200);
}

TEST_F(HttpConnectionTest, DeadlineRestartsAfterEachResponse) {
    RawClient client(host_.port());
    for (int request = 0; request < 3; ++request) {  // the client pauses 3 × 1.5 s: past a single deadline
        std::this_thread::sleep_for(1500ms);
        ASSERT_TRUE(client.send(kHealth));
        const auto responses = parse_responses(client.read_responses(1, scaled(2s)).bytes);
        ASSERT_EQ(responses.size(), 1u) << "request " << request;
        EXPECT_EQ(responses[0].status, 200) << "request " << request;
    }
}

TEST_F(HttpConnectionTest, SlowBodyIsAnswered408AfterTheBodyTimeout) {
    RawClient slow(host_.port());
    ASSERT_TRUE(slow.send("POST /first HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                          "Content-Length: 100\r\n\r\n"));
    const auto started = Clock::now();
    auto sending =
        std::async(std::launch::async, [&slow] { return slow.send_slowly(std::string(100, ' '), 100ms, scaled(15s)); });
    const auto received = slow.read_until_closed(scaled(5s));
    const auto elapsed = Clock::now() - started;
    sending.get();

    const auto responses = parse_responses(received.bytes);
    ASSERT_EQ(responses.size(), 1u) << received.bytes;
    EXPECT_EQ(responses[0].status, 408);
    EXPECT_EQ(responses[0].body, R"({"error":"the request body did not arrive in time"})");
    EXPECT_TRUE(received.closed);
    EXPECT_GE(elapsed, 900ms);
    EXPECT_LT(elapsed, scaled(2000ms + 2000ms));  // the timeout, and the linger of up to 2 s while it still sends
}

TEST_F(HttpConnectionTest, ClientSeesTheEndOfAClosingResponseAtOnce) {
    RawClient client(host_.port());
    ASSERT_TRUE(client.send("GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"));
    const auto received = client.read_until_closed(scaled(3s));
    EXPECT_TRUE(received.closed);
    EXPECT_LT(received.after, scaled(1000ms));
    ASSERT_EQ(parse_responses(received.bytes).size(), 1u);
}

TEST(HttpConnection, IdleKeepAliveConnectionIsClosedByTheKeepAliveTimeoutWithout408) {
    test_support::RunningHost host(host_ini("keep_alive_timeout_ms = 300\n"));
    RawClient client(host.port());
    ASSERT_TRUE(client.send(kHealth));
    const auto received = client.read_until_closed(scaled(3s));
    EXPECT_TRUE(received.closed);
    const auto responses = parse_responses(received.bytes);
    ASSERT_EQ(responses.size(), 1u) << received.bytes;
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_LT(received.after, scaled(1000ms));
}

TEST_F(HttpConnectionTest, HeadIsAnsweredAsGetWithoutABody) {
    const std::string get = test_support::send_raw(host_.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    const std::string head = test_support::send_raw(host_.port(), "HEAD /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
    const auto get_head_end = get.find("\r\n\r\n");
    ASSERT_NE(get_head_end, std::string::npos);
    EXPECT_EQ(head.size(), head.find("\r\n\r\n") + 4) << "no body: " << head;
    const std::string length = "Content-Length: " + std::to_string(get.size() - get_head_end - 4) + "\r\n";
    EXPECT_NE(head.find(length), std::string::npos) << head;  // the length GET's body has
}

TEST_F(HttpConnectionTest, HeadKeepsTheConnectionInStep) {
    RawClient client(host_.port());
    ASSERT_TRUE(client.send("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n" + kHealth));
    const auto received = client.read_until_closed(scaled(1s));
    const auto second = received.bytes.find("HTTP/1.1 200 OK", 1);
    ASSERT_NE(second, std::string::npos) << received.bytes;
    EXPECT_EQ(received.bytes.substr(second).find("{\"status\":\"ok\""), received.bytes.substr(second).find("\r\n\r\n") + 4);
}

TEST_F(HttpConnectionTest, AbsoluteFormTargetIsServed) {
    const std::string answer =
        test_support::send_raw(host_.port(), post_first("Connection: close\r\n", "http://plugin-host.example/first"));
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
}

TEST_F(HttpConnectionTest, EmptyLinesBeforeARequestAreIgnoredAndPipeliningContinues) {
    RawClient client(host_.port());
    ASSERT_TRUE(client.send("\r\n" + post_first() + "\r\n" + kHealth));  // a stray CRLF after the body too
    const auto responses = parse_responses(client.read_responses(2, scaled(3s)).bytes);
    ASSERT_EQ(responses.size(), 2u);
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_EQ(responses[1].status, 200);
    EXPECT_EQ(responses[1].body, R"({"status":"ok","plugins":["first","second","third"]})");
}

TEST_F(HttpConnectionTest, CloseAmongOtherConnectionOptionsClosesTheConnection) {
    RawClient client(host_.port());
    ASSERT_TRUE(client.send("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: TE, close\r\nTE: trailers\r\n\r\n"));
    const auto received = client.read_until_closed(scaled(2s));
    EXPECT_TRUE(received.closed);
    EXPECT_LT(received.after, scaled(1000ms));
    const auto responses = parse_responses(received.bytes);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_NE(responses[0].head.find("Connection: Close"), std::string::npos) << responses[0].head;
}

TEST_F(HttpConnectionTest, Http10IsKeptAliveOnlyWhenItAsks) {
    RawClient plain(host_.port());
    ASSERT_TRUE(plain.send("GET /healthz HTTP/1.0\r\n\r\n"));
    const auto closed = plain.read_until_closed(scaled(2s));
    EXPECT_TRUE(closed.closed);
    EXPECT_TRUE(closed.bytes.starts_with("HTTP/1.0 200 OK\r\n")) << closed.bytes;

    RawClient keeping(host_.port());
    ASSERT_TRUE(keeping.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    ASSERT_EQ(parse_responses(keeping.read_responses(1, scaled(2s)).bytes).size(), 1u);
    ASSERT_TRUE(keeping.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    EXPECT_EQ(parse_responses(keeping.read_responses(1, scaled(2s)).bytes).size(), 1u);
}

TEST_F(HttpConnectionTest, AnHttp10ExpectationIsIgnored) {
    RawClient client(host_.port());
    ASSERT_TRUE(client.send(post_first("Expect: 100-continue\r\n", "/first", "HTTP/1.0")));
    const auto received = client.read_until_closed(scaled(3s));
    EXPECT_TRUE(received.bytes.starts_with("HTTP/1.0 200 OK\r\n")) << received.bytes;
    EXPECT_EQ(received.bytes.find("100 Continue"), std::string::npos) << received.bytes;
}

TEST_F(HttpConnectionTest, ContinueIsSentOnlyForABodyThatWillBeRead) {
    RawClient accepted(host_.port());
    const std::string request = post_first("Expect: 100-continue\r\n");
    accepted.send(request.substr(0, request.size() - kSeedBody.size()));
    const auto interim = accepted.read_responses(1, scaled(2s));
    EXPECT_EQ(interim.bytes, "HTTP/1.1 100 Continue\r\n\r\n");
    accepted.send(kSeedBody);
    const auto final_answer = parse_responses(accepted.read_responses(1, scaled(2s)).bytes);
    ASSERT_EQ(final_answer.size(), 1u);
    EXPECT_EQ(final_answer[0].status, 200);

    RawClient refused(host_.port());
    refused.send("POST /first HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n"
                 "Expect: 100-continue\r\n\r\n");
    const auto responses = parse_responses(refused.read_until_closed(scaled(3s)).bytes);
    ASSERT_EQ(responses.size(), 1u);  // no 100 Continue first
    EXPECT_EQ(responses[0].status, 413);
}

TEST_F(HttpConnectionTest, AnExpectationOtherThanContinueIs417) {
    const std::string answer = test_support::send_raw(
        host_.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\nExpect: the-impossible\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 417")) << answer;
}

TEST_F(HttpConnectionTest, UnparsableContentLengthIsAnswered400AndClosed) {
    for (const std::string length : {"31, 31", "abc", "0x1d", "31 x", "1e3", "12345678901234567890"}) {
        RawClient client(host_.port());
        client.send("GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: " + length + "\r\n\r\n");
        const auto received = client.read_until_closed(scaled(3s));
        const auto responses = parse_responses(received.bytes);
        ASSERT_EQ(responses.size(), 1u) << length;
        EXPECT_EQ(responses[0].status, 400) << length;
        EXPECT_EQ(responses[0].body, R"({"error":"Content-Length is not a decimal number"})");
        EXPECT_TRUE(received.closed) << length;
    }
}

TEST(HttpConnection, AWriteThatTimesOutEndsTheConnectionAndNothingFollowsAPartialAnswer) {
    test_support::RunningHost host(host_ini("receive_timeout_ms = 1000\n"));
    RawClient client(host.port(), 65536);
    constexpr std::size_t kRequests = 10000;  // more answers than the host's send buffer can hold
    std::string pipelined;
    for (std::size_t i = 0; i < kRequests; ++i) pipelined += "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
    ASSERT_TRUE(client.send(pipelined));  // and read nothing: the host's answers pile up until a write blocks

    // The requests may all sit in the kernel's buffers before the host admits the
    // connection: first see it open, then see the host give up on it once a write has been
    // blocked for 1 s.
    ASSERT_TRUE(test_support::eventually([&] { return host.metric("plugin_host_connections_open") == 1; }, 10s))
        << host.host().metrics_text();
    EXPECT_TRUE(test_support::eventually([&] { return host.metric("plugin_host_connections_open") == 0; }, 10s))
        << host.host().metrics_text();

    const auto received = client.read_until_closed(scaled(10s));
    EXPECT_TRUE(received.closed);
    const auto responses = parse_responses(received.bytes);
    EXPECT_GT(responses.size(), 10u);
    EXPECT_LT(responses.size(), kRequests);
    std::size_t complete = 0;
    for (const auto& response : responses) {
        EXPECT_EQ(response.status, 200);
        complete += response.head.size() + 4 + response.body.size();
    }
    // At most one partial answer, at the very end.
    const std::string rest = received.bytes.substr(complete);
    EXPECT_EQ(rest.find("HTTP/1.1 ", 1), std::string::npos) << rest.substr(0, 200);
}

}  // namespace
}  // namespace plugin_host
