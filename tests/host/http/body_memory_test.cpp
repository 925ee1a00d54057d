// A connection's memory follows the bytes it has received, never a length it announced:
// the executable, with max_body_bytes at 1 GiB, against hundreds of clients that each
// announce (nearly) that much and send two bytes.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/raw_client.hpp"

#include <iostream>
#include <memory>
#include <vector>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;

constexpr int kClients = 300;
/// docs/security.md's bound for a connection whose head is small: the read buffer, the body
/// (twice a 64 KiB piece at most beyond the bytes received) and the thread's stack in use.
constexpr std::size_t kBoundPerConnectionKiB = 4 + 2 * 64 + 32;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/// A sanitizer's own memory for each connection (AddressSanitizer's redzones, quarantine
/// and the fake stacks of detect_stack_use_after_return) comes to several hundred KiB
/// (480 measured); what this test guards against costs a gigabyte a connection, so a MiB
/// still tells the two apart.
constexpr std::size_t kAllowancePerConnectionKiB = 1024;
#else
constexpr std::size_t kAllowancePerConnectionKiB = kBoundPerConnectionKiB;
#endif

TEST(BodyMemory, ConnectionsAnnouncingTheLargestBodyCostWhatTheySentNotWhatTheyAnnounced) {
    test_support::HostProcess host(0, test_support::seed_plugins_ini(),
                                   "max_body_bytes = 1073741824\nmax_connections = 400\nbody_timeout_ms = 60000\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    const std::size_t resident_at_start = host.resident_kib();

    std::vector<std::unique_ptr<test_support::RawClient>> clients;
    for (int i = 0; i < kClients; ++i) {
        auto& client = clients.emplace_back(std::make_unique<test_support::RawClient>(host.port()));
        const std::string framing = i % 2 == 0 ? "Content-Length: 1073741000\r\n\r\n{}"
                                                : "Transfer-Encoding: chunked\r\n\r\n3FFFFFFF\r\n{}";
        ASSERT_TRUE(client->send("POST /first HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n" + framing));
    }
    // Every body is being read (the /metrics request counts itself in flight).
    ASSERT_TRUE(test_support::eventually(
        [&] { return host.metric("plugin_host_requests_in_flight") >= kClients + 1; }, 30s))
        << host.metric("plugin_host_requests_in_flight");
    const std::size_t resident_while_reading = host.resident_kib();
    // Each client stops sending: its body ends early, 400; the host has then read all of it.
    for (auto& client : clients) {
        client->finish_sending();
        const auto responses = test_support::parse_responses(client->read_until_closed(test_support::scaled(10s)).bytes);
        ASSERT_EQ(responses.size(), 1u);
        EXPECT_EQ(responses[0].status, 400);
    }
    const std::size_t peak = host.peak_resident_kib();
    std::cout << "resident memory: " << resident_at_start << " KiB at start, " << resident_while_reading
              << " KiB with " << kClients << " bodies announced, peak " << peak << " KiB\n";
    EXPECT_LT(peak, resident_at_start + kClients * kAllowancePerConnectionKiB);
}

}  // namespace
}  // namespace plugin_host
