// The connection gate in the real Host, at max_connections: exact admission, the 503 for
// clients beyond it, forgetting connections that end, the drain and the abort.
#include "http/connection_gate.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/raw_client.hpp"
#include "support/test_host.hpp"

#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>

#include <future>
#include <memory>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using test_support::eventually;
using test_support::parse_responses;
using test_support::RawClient;
using test_support::scaled;
using Clock = std::chrono::steady_clock;

const std::string kHealth = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

std::string at_capacity_ini(int max_connections, int delay_ms = 0, const std::string& extra_server_keys = "") {
    return test_support::test_server_ini(delay_ms, "max_connections = " + std::to_string(max_connections) + "\n" +
                                                       extra_server_keys) +
           test_support::seed_plugins_ini();
}

/// Sends the seed's POST /first on `client` and waits until the host is handling it.
bool send_a_request_in_flight(test_support::RunningHost& host, RawClient& client) {
    const std::string body = R"({"info":{"sequence":"first"}})";
    return client.send("POST /first HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body) &&
           eventually([&] { return host.metric("plugin_host_requests_in_flight") == 1; });
}

int status_of(RawClient& client) {
    const auto responses = parse_responses(client.read_responses(1, scaled(3s)).bytes);
    return responses.empty() ? 0 : responses[0].status;
}

TEST(ConnectionGate, BeyondCapacityANewClientGetsAFast503WhileAdmittedOnesAreServed) {
    test_support::RunningHost host(at_capacity_ini(2));
    RawClient first(host.port());
    RawClient second(host.port());
    ASSERT_TRUE(first.send(kHealth));
    ASSERT_TRUE(second.send(kHealth));
    ASSERT_EQ(status_of(first), 200);  // both admitted, kept alive
    ASSERT_EQ(status_of(second), 200);

    RawClient third(host.port());
    const auto started = Clock::now();
    third.send(kHealth);
    const auto turned_away = third.read_until_closed(scaled(3s));
    const auto elapsed = Clock::now() - started;
    EXPECT_TRUE(turned_away.closed);
    const auto responses = parse_responses(turned_away.bytes);
    ASSERT_EQ(responses.size(), 1u) << turned_away.bytes;
    EXPECT_EQ(responses[0].status, 503);
    EXPECT_NE(turned_away.bytes.find("\r\nRetry-After: 1\r\n"), std::string::npos) << turned_away.bytes;
    EXPECT_EQ(responses[0].body, R"({"error":"the server is at its connection capacity; retry in a second"})");
    EXPECT_LT(elapsed, scaled(500ms));
    EXPECT_EQ(host.metric("plugin_host_connections_turned_away_total"), 1);

    // The admitted connections are still served, on the same connections.
    ASSERT_TRUE(first.send(kHealth));
    EXPECT_EQ(status_of(first), 200);
}

TEST(ConnectionGate, BeyondItsOwnLimitAClientAddressGets503WhileOthersAreAdmitted) {
    test_support::RunningHost host(at_capacity_ini(10, 0, "max_connections_per_client = 2\n"));
    RawClient first(host.port());
    RawClient second(host.port());
    ASSERT_TRUE(first.send(kHealth));
    ASSERT_TRUE(second.send(kHealth));
    ASSERT_EQ(status_of(first), 200);
    ASSERT_EQ(status_of(second), 200);

    // A third connection from 127.0.0.1 is turned away, though the host has room.
    RawClient third(host.port());
    third.send(kHealth);
    const auto turned_away = third.read_until_closed(scaled(3s));
    EXPECT_TRUE(turned_away.closed);
    const auto responses = parse_responses(turned_away.bytes);
    ASSERT_EQ(responses.size(), 1u) << turned_away.bytes;
    EXPECT_EQ(responses[0].status, 503);
    EXPECT_NE(turned_away.bytes.find("\r\nRetry-After: 1\r\n"), std::string::npos) << turned_away.bytes;
    EXPECT_EQ(host.metric("plugin_host_connections_turned_away_total"), 1);

    // Another address is admitted.
    RawClient elsewhere(host.port(), 0, "127.0.0.2");
    ASSERT_TRUE(elsewhere.send(kHealth));
    EXPECT_EQ(status_of(elsewhere), 200);

    // Once one of its connections ends, the first address is admitted again.
    first.finish_sending();
    EXPECT_TRUE(first.read_until_closed(scaled(3s)).closed);
    ASSERT_TRUE(eventually([&] { return host.metric("plugin_host_connections_open") == 2; }));
    RawClient again(host.port());
    ASSERT_TRUE(again.send(kHealth));
    EXPECT_EQ(status_of(again), 200);
}

TEST(ConnectionGate, ABurstIsAdmittedExactlyUpToTheCapacity) {
    constexpr int kCapacity = 50;
    constexpr int kClients = 75;
    test_support::RunningHost host(at_capacity_ini(kCapacity));
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < kClients; ++i) clients.push_back(std::make_unique<RawClient>(host.port()));  // all at once
    for (auto& client : clients) ASSERT_TRUE(client->send(kHealth));
    int served = 0;
    int turned_away = 0;
    for (auto& client : clients) {
        const int status = status_of(*client);
        served += status == 200;
        turned_away += status == 503;
    }
    EXPECT_EQ(served, kCapacity);
    EXPECT_EQ(turned_away, kClients - kCapacity);
    EXPECT_EQ(host.metric("plugin_host_connections_open"), kCapacity);
}

/// A host with room for one connection, which an admitted client holds.
class GateAtCapacity : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(admitted_.send(kHealth));
        ASSERT_EQ(status_of(admitted_), 200);
    }

    test_support::RunningHost host_{at_capacity_ini(1)};
    RawClient admitted_{host_.port()};
};

TEST_F(GateAtCapacity, ATurnedAwayClientIsAnsweredOnceItSendsItsRequestNotBefore) {
    RawClient late(host_.port());
    const auto before_request = late.read_until_closed(400ms);
    EXPECT_TRUE(before_request.bytes.empty()) << before_request.bytes;  // nothing it did not ask for
    EXPECT_FALSE(before_request.closed);
    const auto started = Clock::now();
    ASSERT_TRUE(late.send(kHealth));
    const auto answer = late.read_until_closed(scaled(3s));
    EXPECT_LT(Clock::now() - started, scaled(500ms));
    EXPECT_TRUE(answer.closed);
    const auto responses = parse_responses(answer.bytes);
    ASSERT_EQ(responses.size(), 1u) << answer.bytes;
    EXPECT_EQ(responses[0].status, 503);
}

TEST_F(GateAtCapacity, ATurnedAwayClientThatSendsNothingIsAnsweredAfterASecond) {
    RawClient silent(host_.port());
    const auto started = Clock::now();
    const auto answer = silent.read_until_closed(scaled(4s));
    const auto elapsed = Clock::now() - started;
    EXPECT_TRUE(answer.closed);
    EXPECT_GE(elapsed, 900ms);
    EXPECT_LT(elapsed, scaled(3s));
    const auto responses = parse_responses(answer.bytes);
    ASSERT_EQ(responses.size(), 1u) << answer.bytes;
    EXPECT_EQ(responses[0].status, 503);
}

TEST_F(GateAtCapacity, AConnectionThatEndsGivesItsPlaceToTheNextClient) {
    admitted_.finish_sending();  // the client leaves
    ASSERT_TRUE(eventually([&] { return host_.metric("plugin_host_connections_open") == 0; }));
    RawClient next(host_.port());
    ASSERT_TRUE(next.send(kHealth));
    EXPECT_EQ(status_of(next), 200);
}

TEST(ConnectionGate, ForgetsConnectionsOnceTheyEnd) {
    test_support::RunningHost host(at_capacity_ini(8));
    for (int i = 0; i < 20; ++i) EXPECT_EQ(test_support::send_request(host.port(), "GET", "/healthz").status, 200);
    EXPECT_TRUE(eventually([&] { return host.metric("plugin_host_connections_open") == 0; }));
}

/// A loopback port this test holds without listening on it. Bound with SO_REUSEADDR, so a
/// host may still listen on it; while it is held, the kernel gives it to no one asking for a
/// free port. Once nobody listens on it, a connection to it is refused.
class HeldPort {
public:
    HeldPort() { socket_.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true, false); }
    std::uint16_t port() const { return socket_.address().port(); }

private:
    Poco::Net::ServerSocket socket_;  ///< bound, never listening
};

TEST(ConnectionGate, DrainRefusesNewConnectionsAndClosesIdleOnes) {
    // The host listens on a port the test holds, so that after the drain no other test can
    // have taken it: a refused connection is the host's listening socket gone.
    const HeldPort held;
    test_support::RunningHost host(at_capacity_ini(8, 0, "port = " + std::to_string(held.port()) + "\n"));
    const std::uint16_t port = host.port();
    ASSERT_EQ(port, held.port());
    RawClient idle(port);
    ASSERT_TRUE(idle.send(kHealth));
    ASSERT_EQ(status_of(idle), 200);

    auto stopped = std::async(std::launch::async, [&host] { return host.host().stop(); });
    const auto closed = idle.read_until_closed(scaled(1s));
    EXPECT_TRUE(closed.closed);
    EXPECT_TRUE(closed.bytes.empty());
    EXPECT_LT(closed.after, scaled(500ms));
    EXPECT_TRUE(stopped.get());
    EXPECT_THROW(RawClient late(port), Poco::Net::ConnectionRefusedException);
}

TEST(ConnectionGate, DrainLetsTheRequestInFlightFinishThenCloses) {
    test_support::RunningHost host(at_capacity_ini(8, 400));
    RawClient busy(host.port());
    ASSERT_TRUE(send_a_request_in_flight(host, busy));
    auto stopped = std::async(std::launch::async, [&host] { return host.host().stop(); });
    const auto received = busy.read_until_closed(scaled(3s));
    const auto responses = parse_responses(received.bytes);
    ASSERT_EQ(responses.size(), 1u) << received.bytes;
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_NE(responses[0].head.find("Connection: Close"), std::string::npos) << responses[0].head;
    EXPECT_TRUE(received.closed);
    EXPECT_TRUE(stopped.get());
}

/// Stops `host` with a request in flight that outlives its 200 ms drain timeout: the
/// client sees the connection closed, unanswered, within a second. Returns what stop()
/// returned: false while a worker is still inside the plugin.
bool stop_past_the_drain_timeout(test_support::RunningHost& host) {
    RawClient busy(host.port());
    EXPECT_TRUE(send_a_request_in_flight(host, busy));
    auto stopped = std::async(std::launch::async, [&host] { return host.host().stop(); });
    const auto received = busy.read_until_closed(scaled(3s));
    EXPECT_TRUE(received.closed);
    EXPECT_TRUE(received.bytes.empty()) << received.bytes;
    EXPECT_LT(received.after, scaled(1000ms));
    return stopped.get();
}

TEST(ConnectionGate, PastTheDrainTimeoutARequestInFlightIsCut) {
    // A 2.0 handler that blocks: its worker is still inside the repository's wait.
    test_support::RunningHost host(test_support::test_server_ini(1500, "max_connections = 8\ndrain_timeout_ms = 200\n") +
                                   test_support::blocking_seed_plugins_ini());
    EXPECT_FALSE(stop_past_the_drain_timeout(host));
}

TEST(ConnectionGate, PastTheDrainTimeoutADeferredAnswerIsCutAndNothingWaitsForIt) {
    // The seed plugins answer later: past the drain timeout no thread is left inside a plugin.
    test_support::RunningHost host(at_capacity_ini(8, 1500, "drain_timeout_ms = 200\n"));
    EXPECT_TRUE(stop_past_the_drain_timeout(host));
}

}  // namespace
}  // namespace plugin_host
