// Answers that handlers complete later (contract 2.2), through the real executable on real
// sockets: the deadline for one never completed, the keep-alive connection going on after
// each kind, and thousands of answers waiting at once on a handful of threads.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/raw_client.hpp"
#include "support/open_files.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <future>
#include <string>
#include <vector>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test_support::HostProcess;
using test_support::parse_responses;
using test_support::RawClient;
using test_support::scaled;

std::string deferring_ini() {
    return std::string("[plugin.deferring]\nlibrary = ") + test_paths::kDeferringPlugin + "\n";
}

std::string post(const std::string& target, const std::string& body = "x") {
    return "POST " + target + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           body;
}

TEST(DeferredAnswers, OneNeverCompletedIsAnswered500AtTheDeadlineAndTheLogNamesItsPlugin) {
    HostProcess host(100, deferring_ini(), "deferred_timeout_ms = 300\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    RawClient client(host.port());
    const auto sent = Clock::now();
    ASSERT_TRUE(client.send(post("/forever")));
    const auto responses = parse_responses(client.read_responses(1, scaled(5s)).bytes);
    const auto took = Clock::now() - sent;
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 500);
    EXPECT_EQ(responses[0].body, R"({"error":"endpoint deferring did not answer in time"})");
    EXPECT_GE(took, 300ms);
    EXPECT_TRUE(host.wait_for_output("plugin deferring did not complete its deferred answer within "
                                     "deferred_timeout_ms = 300"))
        << host.output();
    // The connection goes on: the next request on it is served.
    ASSERT_TRUE(client.send(post("/later")));
    const auto next = parse_responses(client.read_responses(1, scaled(5s)).bytes);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].status, 200);
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0) << host.output();
}

TEST(DeferredAnswers, EachKindIsAnsweredInTurnOnOneKeepAliveConnection) {
    HostProcess host(50, deferring_ini());
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    RawClient client(host.port());
    // Pipelined: each answer must come in the order of the requests, whenever it completes.
    ASSERT_TRUE(client.send(post("/later?status=201") + post("/drop") + post("/now") + post("/throws") + post("/later")));
    const auto responses = parse_responses(client.read_responses(5, scaled(10s)).bytes);
    ASSERT_EQ(responses.size(), 5u);
    EXPECT_EQ(responses[0].status, 201);
    EXPECT_EQ(responses[0].body, R"({"result":"later Executed"})");
    EXPECT_EQ(responses[1].status, 500);
    EXPECT_EQ(responses[2].status, 202);
    EXPECT_EQ(responses[3].status, 500);
    EXPECT_EQ(responses[4].status, 200);
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0) << host.output();
}

TEST(DeferredAnswers, WhatTheRequestAskedOfItsConnectionHoldsWhenTheAnswerComesLater) {
    // While the answer is on its way the connection keeps only the request line: the
    // version and `Connection: close` must still shape the answer and the connection.
    HostProcess host(50, deferring_ini());
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    RawClient client(host.port());
    ASSERT_TRUE(client.send("POST /later HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx"
                            "POST /later HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"
                            "POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx"));
    const RawClient::Received received = client.read_until_closed(scaled(10s));
    EXPECT_TRUE(received.closed);
    const auto responses = parse_responses(received.bytes);
    ASSERT_EQ(responses.size(), 2u) << received.bytes;  // none for the request after `close`
    EXPECT_TRUE(received.bytes.starts_with("HTTP/1.0 200 OK\r\n")) << received.bytes;
    EXPECT_NE(received.bytes.find("Connection: Keep-Alive\r\n"), std::string::npos) << received.bytes;
    EXPECT_NE(received.bytes.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << received.bytes;
    EXPECT_NE(received.bytes.find("Connection: Close\r\n"), std::string::npos) << received.bytes;
    EXPECT_EQ(responses[1].body, R"({"result":"later Executed"})");
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0) << host.output();
}

TEST(DeferredAnswers, ThousandsWaitAtOnceOnAFewThreads) {
    // 1,000 seed requests in their repository's 1 s delay at once: each holds a connection
    // and a timer entry, no thread. The workers only ever run the handlers' few microseconds.
    constexpr int kClients = 1000;
    if (test_support::raise_open_file_limit() < 2 * kClients + 100) {
        GTEST_SKIP() << "needs an open-file limit of " << 2 * kClients + 100 << " (ulimit -n)";
    }
    HostProcess host(1000, test_support::seed_plugins_ini(), "max_connections = 1100\nloop_threads = 2\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(std::make_unique<RawClient>(host.port()));
        ASSERT_TRUE(clients.back()->send(test_support::seed_request_bytes("/first", "first")));
    }
    ASSERT_TRUE(test_support::eventually([&] { return host.metric("plugin_host_requests_in_flight") >= kClients; },
                                         scaled(10s)))
        << host.metric("plugin_host_requests_in_flight");
    // A burst of arrivals may find every worker busy (or waiting for a core, on a machine
    // running other tests) for a moment and start more; a thread per waiting request would
    // be 1,000.
    EXPECT_LE(host.metric("plugin_host_pool_threads"), kClients / 4) << "a thread per waiting request";
    int served = 0;
    for (auto& client : clients) {
        const auto responses = parse_responses(client->read_responses(1, scaled(10s)).bytes);
        served += responses.size() == 1 && responses[0].status == 200 ? 1 : 0;
    }
    EXPECT_EQ(served, kClients);
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0) << host.output();
}

}  // namespace
}  // namespace plugin_host
