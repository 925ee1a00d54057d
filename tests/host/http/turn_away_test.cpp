// TurnAway alone, on an EventLoop, over socket pairs: when a turned-away client is answered,
// that it is answered once, that a client who never reads holds nobody else up, and that a
// stopping loop closes what it holds.
#include "http/turn_away.hpp"

#include "http/event_loop.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/socket_pair.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using test_support::scaled;
using Clock = std::chrono::steady_clock;

/// What the client end receives until the server end closes, or `limit` passes.
struct Received {
    std::string bytes;
    bool closed = false;
};

Received receive(int descriptor, std::chrono::milliseconds limit) {
    Received received;
    const auto deadline = Clock::now() + limit;
    char buffer[4096];
    while (Clock::now() < deadline) {
        pollfd watched{descriptor, POLLIN, 0};
        if (::poll(&watched, 1, 20) <= 0) continue;
        const ssize_t got = ::recv(descriptor, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got <= 0) {
            received.closed = true;
            break;
        }
        received.bytes.append(buffer, static_cast<std::size_t>(got));
    }
    return received;
}

/// A TurnAway and the loop its clients wait on.
class TurnAwayTest : public ::testing::Test {
protected:
    /// Hands the server end of `pair` to the TurnAway, which closes it.
    void hand_over(test_support::SocketPair& pair) {
        turn_away_.take(pair.give_server(), loop_, TurnAway::Reason::at_capacity, 1);
    }

    TurnAway turn_away_{Poco::Logger::get("test.turn_away")};
    EventLoop loop_{"test-loop"};
};

constexpr std::string_view kRequest = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";

TEST_F(TurnAwayTest, AnswersOnceTheRequestArrivesNotBeforeAndCloses) {
    test_support::SocketPair pair;
    hand_over(pair);
    EXPECT_TRUE(receive(pair.client(), 300ms).bytes.empty());  // nothing it did not ask for
    const auto sent = Clock::now();
    pair.send(kRequest);
    pair.finish_sending();
    const Received answer = receive(pair.client(), scaled(3s));
    EXPECT_LT(Clock::now() - sent, scaled(500ms));
    EXPECT_TRUE(answer.bytes.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << answer.bytes;
    EXPECT_NE(answer.bytes.find("\r\nRetry-After: 1\r\n"), std::string::npos) << answer.bytes;
    EXPECT_TRUE(answer.bytes.ends_with(R"({"error":"the server is at its connection capacity; retry in a second"})"));
    EXPECT_EQ(turn_away_.count(), 1u);
}

TEST_F(TurnAwayTest, AnswersASilentClientAfterASecond) {
    test_support::SocketPair pair;
    const auto started = Clock::now();
    hand_over(pair);
    const Received answer = receive(pair.client(), scaled(4s));
    EXPECT_GE(Clock::now() - started, 900ms);
    EXPECT_TRUE(answer.bytes.starts_with("HTTP/1.1 503")) << answer.bytes;
    EXPECT_TRUE(answer.closed);  // after at most the linger
}

TEST_F(TurnAwayTest, AClientThatNeverReadsHoldsNobodyUp) {
    test_support::SocketPair stuck;
    ::shutdown(stuck.client(), SHUT_RD);
    hand_over(stuck);
    stuck.send(kRequest);
    std::vector<std::unique_ptr<test_support::SocketPair>> others;
    for (int i = 0; i < 20; ++i) {
        others.push_back(std::make_unique<test_support::SocketPair>());
        hand_over(*others.back());
        others.back()->send(kRequest);
    }
    for (const auto& other : others) {
        EXPECT_TRUE(receive(other->client(), scaled(1s)).bytes.starts_with("HTTP/1.1 503"));
    }
}

TEST_F(TurnAwayTest, AStoppingLoopClosesWhatItHolds) {
    test_support::SocketPair pair;
    hand_over(pair);
    ASSERT_TRUE(test_support::eventually([&] { return loop_.waits() == 1; }));
    loop_.stop();
    EXPECT_TRUE(receive(pair.client(), scaled(1s)).closed);
    EXPECT_EQ(turn_away_.waiting(), 0u);
}

TEST_F(TurnAwayTest, AClientGoneBeforeItsRequestIsClosedUnanswered) {
    test_support::SocketPair pair;
    hand_over(pair);
    pair.finish_sending();
    const Received answer = receive(pair.client(), scaled(3s));
    EXPECT_TRUE(answer.closed);
    EXPECT_TRUE(answer.bytes.empty()) << answer.bytes;
    EXPECT_TRUE(test_support::eventually([&] { return turn_away_.waiting() == 0; }));
}

}  // namespace
}  // namespace plugin_host
