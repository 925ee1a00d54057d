// What an open connection costs the plugin-host executable in open files: one descriptor,
// its socket, however long it waits idle for the next request and however many requests it
// carries. A server that made a descriptor per keep-alive wait (an epoll instance, as
// Poco's HTTPServerSession does) or per request would run out of open files long before
// max_connections.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/open_files.hpp"
#include "support/raw_client.hpp"
#include "support/test_host.hpp"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

using test_support::HostProcess;
using test_support::RawClient;
using test_support::scaled;

constexpr std::size_t kConnections = 1000;
/// Descriptors the host holds whatever its connections: standard streams, the listening
/// socket, the watcher's and the loops', log files, and those of requests still closing.
constexpr std::size_t kConstant = 50;

/// The status of the one response `client` receives (0 if none arrives in time).
int answer_status(RawClient& client) {
    const auto responses = test_support::parse_responses(client.read_responses(1, scaled(std::chrono::seconds(5))).bytes);
    return responses.empty() ? 0 : responses[0].status;
}

TEST(DescriptorCost, AnIdleKeepAliveConnectionHoldsOneDescriptorAndARequestAddsNone) {
    ASSERT_GT(test_support::raise_open_file_limit(), kConnections + 100);
    // Opening them all takes long under the sanitizers: none may reach its keep-alive
    // timeout. No periodic check of the plugin files: it would open folders now and then.
    HostProcess host(0, test_support::seed_plugins_ini() + "[plugins]\npoll_interval_ms = 0\n",
                     "max_connections = 1200\nkeep_alive_timeout_ms = 600000\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    const std::size_t at_rest = test_support::open_descriptors(host.pid());

    const std::string request = test_support::seed_request_bytes("/first", "first");
    std::vector<std::unique_ptr<RawClient>> clients;
    for (std::size_t i = 0; i < kConnections; ++i) {
        clients.push_back(std::make_unique<RawClient>(host.port()));
        ASSERT_TRUE(clients.back()->send(request)) << "connection " << i;
        ASSERT_EQ(answer_status(*clients.back()), 200) << "connection " << i << "\n" << host.output();
    }
    // Every connection has had its answer: its thread waits for the next request.
    const std::size_t idle = test_support::open_descriptors(host.pid());

    for (auto& client : clients) ASSERT_TRUE(client->send(request));
    for (std::size_t i = 0; i < kConnections; ++i) {
        ASSERT_EQ(answer_status(*clients[i]), 200) << "connection " << i << "\n" << host.output();
    }
    const std::size_t after_second = test_support::open_descriptors(host.pid());

    std::cout << "[ descriptors ] plugin-host at rest: " << at_rest << "; with " << kConnections
              << " idle keep-alive connections: " << idle << "; after a second request on each: " << after_second
              << "\n";
    RecordProperty("descriptors_at_rest", static_cast<int>(at_rest));
    RecordProperty("descriptors_idle", static_cast<int>(idle));
    RecordProperty("descriptors_after_second_request", static_cast<int>(after_second));

    EXPECT_LE(idle, kConnections + kConstant)
        << idle << " descriptors for " << kConnections << " idle keep-alive connections (" << at_rest
        << " at rest): more than one per connection, so each holds one beside its socket (per keep-alive wait, or "
           "per request)";
    EXPECT_LE(after_second, idle) << "a second request on each of " << kConnections << " connections took the host from "
                                  << idle << " to " << after_second << " descriptors: a request leaves one behind";
}

}  // namespace
