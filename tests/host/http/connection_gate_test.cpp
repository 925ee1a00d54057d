// The connection gate in Poco's HTTPServer: deadlines for slow clients, forgetting closed
// connections, draining and aborting.
#include "http/connection_gate.hpp"

#include <gtest/gtest.h>

#include "support/gated_server.hpp"
#include "support/http_client.hpp"
#include "support/raw_client.hpp"

#include <future>
#include <thread>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using test_support::GatedServer;
using test_support::parse_responses;
using test_support::RawClient;

const std::string kPing = "GET /ping HTTP/1.1\r\nHost: test\r\n\r\n";

std::string post(const std::string& path, const std::string& body, const std::string& extra_headers = "") {
    return "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

// Server defaults: keep-alive 2000 ms, header 1000 ms, body 1000 ms: a header must be
// complete 3000 ms after the connection opens or after the last response.

TEST(ConnectionGate, BeyondCapacityANewClientGetsAFast503WhileAdmittedOnesAreServed) {
    GatedServer::Settings settings;
    settings.capacity = 2;
    GatedServer server(settings);
    RawClient first(server.port());
    RawClient second(server.port());
    ASSERT_TRUE(first.send(kPing));
    ASSERT_TRUE(second.send(kPing));
    ASSERT_EQ(parse_responses(first.read_responses(1, 3s).bytes).size(), 1u);  // both admitted, kept alive
    ASSERT_EQ(parse_responses(second.read_responses(1, 3s).bytes).size(), 1u);

    RawClient third(server.port());
    const auto started = std::chrono::steady_clock::now();
    third.send(kPing);
    const auto turned_away = third.read_until_closed(3s);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(turned_away.closed);
    const auto responses = parse_responses(turned_away.bytes);
    ASSERT_EQ(responses.size(), 1u) << turned_away.bytes;
    EXPECT_EQ(responses[0].status, 503);
    EXPECT_NE(turned_away.bytes.find("\r\nRetry-After: 1\r\n"), std::string::npos) << turned_away.bytes;
    EXPECT_EQ(responses[0].body, R"({"error":"the server is at its connection capacity; retry in a second"})");
    EXPECT_LT(elapsed, 500ms);
    EXPECT_EQ(server.gate().turned_away(), 1u);

    // The admitted connections are still served, on the same connections.
    ASSERT_TRUE(first.send(kPing));
    const auto again = parse_responses(first.read_responses(1, 3s).bytes);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].status, 200);
}

/// A gated server with room for one connection, which an admitted client holds.
class GateAtCapacity : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(admitted_.send(kPing));
        ASSERT_EQ(parse_responses(admitted_.read_responses(1, 3s).bytes).size(), 1u);
    }

    static GatedServer::Settings one_connection() {
        GatedServer::Settings settings;
        settings.capacity = 1;
        return settings;
    }

    GatedServer server_{one_connection()};
    RawClient admitted_{server_.port()};
};

TEST_F(GateAtCapacity, ATurnedAwayClientIsAnsweredOnceItSendsItsRequestNotBefore) {
    RawClient late(server_.port());
    const auto before_request = late.read_until_closed(400ms);
    EXPECT_TRUE(before_request.bytes.empty()) << before_request.bytes;  // nothing it did not ask for
    EXPECT_FALSE(before_request.closed);
    const auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(late.send(kPing));
    const auto answer = late.read_until_closed(3s);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
    EXPECT_TRUE(answer.closed);
    const auto responses = parse_responses(answer.bytes);
    ASSERT_EQ(responses.size(), 1u) << answer.bytes;
    EXPECT_EQ(responses[0].status, 503);
}

TEST_F(GateAtCapacity, ATurnedAwayClientThatSendsNothingIsAnsweredAfterASecond) {
    RawClient silent(server_.port());
    const auto started = std::chrono::steady_clock::now();
    const auto answer = silent.read_until_closed(4s);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(answer.closed);
    EXPECT_GE(elapsed, 900ms);
    EXPECT_LT(elapsed, 3s);
    const auto responses = parse_responses(answer.bytes);
    ASSERT_EQ(responses.size(), 1u) << answer.bytes;
    EXPECT_EQ(responses[0].status, 503);
}

TEST(ConnectionGate, SlowHeaderIsAnswered408AndClosedAtItsDeadline) {
    GatedServer server;
    RawClient slow(server.port());
    const auto started = std::chrono::steady_clock::now();
    auto sending = std::async(std::launch::async, [&slow] { return slow.send_slowly(kPing, 200ms, 10s); });
    const auto received = slow.read_until_closed(6s);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    sending.get();

    EXPECT_TRUE(received.closed);
    const auto responses = parse_responses(received.bytes);
    ASSERT_EQ(responses.size(), 1u) << received.bytes;
    EXPECT_EQ(responses[0].status, 408);
    EXPECT_EQ(responses[0].body, R"({"error":"the request header did not arrive in time"})");
    EXPECT_GE(elapsed, 2900ms);
    EXPECT_LT(elapsed, 4000ms);
    EXPECT_EQ(test_support::send_request(server.port(), "GET", "/ping").status, 200);
}

TEST(ConnectionGate, HeaderCompletedBeforeItsDeadlineIsServed) {
    GatedServer server;
    RawClient client(server.port());
    ASSERT_TRUE(client.send_slowly(kPing, 25ms, 5s));  // about 0.9 s of the 3 s for the whole header
    const auto received = client.read_responses(1, 3s);
    const auto responses = parse_responses(received.bytes);
    ASSERT_EQ(responses.size(), 1u) << received.bytes;
    EXPECT_EQ(responses[0].status, 200);
}

TEST(ConnectionGate, DeadlineRestartsAfterEachResponse) {
    GatedServer server;
    RawClient client(server.port());
    for (int request = 0; request < 3; ++request) {  // 3 × 1.5 s: past a single deadline
        std::this_thread::sleep_for(1500ms);
        ASSERT_TRUE(client.send(kPing));
        const auto responses = parse_responses(client.read_responses(1, 2s).bytes);
        ASSERT_EQ(responses.size(), 1u) << "request " << request;
        EXPECT_EQ(responses[0].status, 200) << "request " << request;
    }
}

TEST(ConnectionGate, SlowBodyIsAnswered408AfterTheBodyTimeout) {
    GatedServer server;
    RawClient slow(server.port());
    const std::string head = "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    ASSERT_TRUE(slow.send(head));
    const auto started = std::chrono::steady_clock::now();
    auto sending = std::async(std::launch::async, [&slow] { return slow.send_slowly(std::string(100, ' '), 100ms, 15s); });
    const auto received = slow.read_until_closed(5s);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    sending.get();

    const auto responses = parse_responses(received.bytes);
    ASSERT_EQ(responses.size(), 1u) << received.bytes;
    EXPECT_EQ(responses[0].status, 408);
    EXPECT_EQ(responses[0].body, R"({"error":"the request body did not arrive in time"})");
    EXPECT_TRUE(received.closed);
    EXPECT_GE(elapsed, 900ms);
    EXPECT_LT(elapsed, 2000ms);
}

TEST(ConnectionGate, ForgetsConnectionsOnceTheServerHasClosedThem) {
    GatedServer server;
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(test_support::send_request(server.port(), "GET", "/ping").status, 200);
    }
    EXPECT_TRUE(server.wait_until_no_connection_is_open());
}

TEST(ConnectionGate, ClientSeesTheEndOfAClosingResponseAtOnce) {
    GatedServer::Settings settings;
    settings.tick = 3600s;  // the gate's watchdog never closes its own descriptor here
    GatedServer server(settings);
    RawClient client(server.port());
    ASSERT_TRUE(client.send("GET /ping HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"));
    const auto received = client.read_until_closed(3s);
    EXPECT_TRUE(received.closed);
    EXPECT_LT(received.after, 1000ms);
    ASSERT_EQ(parse_responses(received.bytes).size(), 1u);
}

TEST(ConnectionGate, IdleKeepAliveConnectionIsClosedByTheKeepAliveTimeoutWithout408) {
    GatedServer::Settings settings;
    settings.keep_alive_timeout = 300ms;
    GatedServer server(settings);
    RawClient client(server.port());
    ASSERT_TRUE(client.send(kPing));
    const auto received = client.read_until_closed(3s);
    EXPECT_TRUE(received.closed);
    const auto responses = parse_responses(received.bytes);
    ASSERT_EQ(responses.size(), 1u) << received.bytes;
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_LT(received.after, 1000ms);
}

TEST(ConnectionGate, DrainRefusesNewConnectionsAndClosesIdleOnes) {
    GatedServer server;
    RawClient idle(server.port());
    ASSERT_TRUE(idle.send(kPing));
    ASSERT_EQ(parse_responses(idle.read_responses(1, 2s).bytes).size(), 1u);

    server.gate().begin_drain();
    const auto closed = idle.read_until_closed(1s);
    EXPECT_TRUE(closed.closed);
    EXPECT_TRUE(closed.bytes.empty());
    EXPECT_LT(closed.after, 500ms);

    RawClient late(server.port());  // the kernel accepts it; the gate refuses it
    late.send(kPing);
    const auto refused = late.read_until_closed(1s);
    EXPECT_TRUE(refused.closed);
    EXPECT_TRUE(refused.bytes.empty()) << refused.bytes;
    EXPECT_TRUE(server.wait_until_no_connection_is_open());
}

TEST(ConnectionGate, DrainLetsTheRequestInFlightFinishThenCloses) {
    GatedServer server;
    RawClient busy(server.port());
    ASSERT_TRUE(busy.send(post("/slow", "{}")));
    std::this_thread::sleep_for(150ms);
    server.gate().begin_drain();
    const auto received = busy.read_until_closed(3s);
    const auto responses = parse_responses(received.bytes);
    ASSERT_EQ(responses.size(), 1u) << received.bytes;
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_NE(responses[0].head.find("Connection: Close"), std::string::npos) << responses[0].head;
    EXPECT_TRUE(received.closed);
}

TEST(ConnectionGate, DrainAnswersARequestAlreadySentOnAConnectionStillWaitingForAThread) {
    GatedServer::Settings settings;
    settings.slow_ms = 400;
    settings.max_threads = 1;
    GatedServer server(settings);
    RawClient busy(server.port());
    ASSERT_TRUE(busy.send(post("/slow", "{}")));
    std::this_thread::sleep_for(100ms);
    RawClient queued(server.port());  // waits in Poco's queue for the only thread, request sent
    ASSERT_TRUE(queued.send(kPing));
    std::this_thread::sleep_for(100ms);
    server.gate().begin_drain();

    const auto first = parse_responses(busy.read_until_closed(3s).bytes);
    const auto second = parse_responses(queued.read_until_closed(3s).bytes);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].status, 200);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].status, 200);
    EXPECT_NE(second[0].head.find("Connection: Close"), std::string::npos) << second[0].head;
}

TEST(ConnectionGate, AbortAllCutsARequestInFlight) {
    GatedServer::Settings settings;
    settings.slow_ms = 1500;
    GatedServer server(settings);
    RawClient busy(server.port());
    ASSERT_TRUE(busy.send(post("/slow", "{}")));
    std::this_thread::sleep_for(150ms);
    EXPECT_EQ(server.gate().abort_all(), 1u);
    const auto received = busy.read_until_closed(3s);
    EXPECT_TRUE(received.closed);
    EXPECT_TRUE(received.bytes.empty()) << received.bytes;
    EXPECT_LT(received.after, 500ms);
}

}  // namespace
}  // namespace plugin_host
