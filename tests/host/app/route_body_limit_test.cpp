// A route's own body limit (Registrar::set_max_body_bytes()) through the real Host, over real
// sockets: the connection reads each body within its route's limit instead of [server]
// max_body_bytes, by Content-Length and chunked alike, and the host refuses a plugin whose
// limit it cannot grant.
#include "app/host.hpp"

#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/raw_client.hpp"
#include "support/eventually.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;
using test_support::parse_responses;
using test_support::RawClient;
using test_support::scaled;

/// [server] max_body_bytes 1024; the plugin's POST /upload takes 4096 and POST /small 16.
std::string limits_ini(const std::string& plugin_settings = "") {
    return test_support::test_server_ini(0, "max_body_bytes = 1024\nmax_route_body_bytes = 8192\n") +
           test_support::seed_plugins_ini() + "[plugin.limits]\nlibrary = " + test_paths::kBodyLimitsPlugin + "\n" +
           plugin_settings;
}

/// A POST of `size` bytes to `path` by Content-Length, `extra` header lines added.
std::string by_length(const std::string& path, std::size_t size, const std::string& extra = "") {
    return "POST " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " + std::to_string(size) +
           "\r\n" + extra + "\r\n" + std::string(size, 'x');
}

/// A POST of `size` bytes to `path`, chunked, 500 bytes a chunk.
std::string chunked(const std::string& path, std::size_t size) {
    std::string request = "POST " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t sent = 0; sent < size;) {
        const std::size_t chunk = std::min<std::size_t>(500, size - sent);
        char size_line[32];
        std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk);
        request += size_line + std::string(chunk, 'x') + "\r\n";
        sent += chunk;
    }
    return request + "0\r\n\r\n";
}

/// The one answer to `request`, sent whole on a connection of its own.
test_support::RawResponse answer(std::uint16_t port, const std::string& request) {
    RawClient client(port);
    client.send(request);
    const std::vector<test_support::RawResponse> responses = parse_responses(client.read_until_closed(scaled(5s)).bytes);
    if (responses.size() != 1) return {};
    return responses.front();
}

class RouteBodyLimit : public ::testing::Test {
protected:
    test_support::RunningHost server_{limits_ini()};
};

TEST_F(RouteBodyLimit, AnUploadRouteTakesABodyAboveTheServersLimitWithinItsOwn) {
    for (const std::string& request : {by_length("/upload", 4096), chunked("/upload", 4096)}) {
        const test_support::RawResponse response = answer(server_.port(), request);
        EXPECT_EQ(response.status, 200) << request.substr(0, 100);
        EXPECT_EQ(response.body, R"({"bytes":4096})");
    }
}

TEST_F(RouteBodyLimit, AnUploadRouteRefusesABodyAboveItsOwnLimit) {
    for (const std::string& request : {by_length("/upload", 4097), chunked("/upload", 4097)}) {
        const test_support::RawResponse response = answer(server_.port(), request);
        EXPECT_EQ(response.status, 413) << request.substr(0, 100);
        EXPECT_EQ(response.body, R"({"error":"request body exceeds 4096 bytes"})");
    }
}

TEST_F(RouteBodyLimit, ASmallRouteRefusesWhatTheServersLimitWouldTake) {
    for (const std::string& request : {by_length("/small", 17), chunked("/small", 17)}) {
        const test_support::RawResponse response = answer(server_.port(), request);
        EXPECT_EQ(response.status, 413) << request.substr(0, 100);
        EXPECT_EQ(response.body, R"({"error":"request body exceeds 16 bytes"})");
    }
    EXPECT_EQ(answer(server_.port(), by_length("/small", 16)).body, R"({"bytes":16})");
}

TEST_F(RouteBodyLimit, ARouteWithoutALimitKeepsTheServersBesideOnesWithLimits) {
    EXPECT_EQ(answer(server_.port(), by_length("/first", 1025)).status, 413);
    EXPECT_EQ(answer(server_.port(), chunked("/first", 1025)).status, 413);
    EXPECT_EQ(answer(server_.port(), by_length("/nowhere", 1025)).status, 413);
}

TEST_F(RouteBodyLimit, AnExpectationIsMetWithinTheRoutesLimit) {
    // Above the server's limit, within the route's: 100 Continue, then the body is read.
    RawClient accepted(server_.port());
    const std::string request = by_length("/upload", 4096, "Expect: 100-continue\r\n");
    accepted.send(request.substr(0, request.size() - 4096));  // the head alone
    EXPECT_EQ(accepted.read_responses(1, scaled(2s)).bytes, "HTTP/1.1 100 Continue\r\n\r\n");
    accepted.send(std::string(4096, 'x'));
    const auto final_answer = parse_responses(accepted.read_until_closed(scaled(3s)).bytes);
    ASSERT_EQ(final_answer.size(), 1u);
    EXPECT_EQ(final_answer[0].body, R"({"bytes":4096})");

    // Above the route's own limit: 413 at once, no 100 Continue first.
    RawClient refused(server_.port());
    const std::string too_large = by_length("/upload", 4097, "Expect: 100-continue\r\n");
    refused.send(too_large.substr(0, too_large.size() - 4097));  // the head alone
    const auto responses = parse_responses(refused.read_until_closed(scaled(3s)).bytes);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 413);
}

/// Host(config) for the plugin with `plugin_settings`: the refusal's message, or "" if it was not refused.
std::string refusal(const std::string& plugin_settings) {
    test_support::TempDir dir;
    const HostConfig config = test_support::write_and_load_config(dir, limits_ini(plugin_settings));
    try {
        Host host(config);
    } catch (const PluginRefused& refused) {
        return refused.what();
    }
    return {};
}

TEST(RouteBodyLimitRefusal, ALimitAboveMaxRouteBodyBytesRefusesThePluginNamingTheKey) {
    EXPECT_EQ(refusal("upload_bytes = 8192\n"), "");
    const std::string refused = refusal("upload_bytes = 8193\n");
    EXPECT_NE(refused.find("set a body limit of 8193 bytes for POST /upload, above [server] max_route_body_bytes (8192)"),
              std::string::npos)
        << refused;
}

TEST(RouteBodyLimitRefusal, ALimitForARouteThePluginDoesNotRegisterRefusesIt) {
    const std::string refused = refusal("upload_limit_route = /elsewhere\n");
    EXPECT_NE(refused.find("set a body limit for POST /elsewhere, which it does not register"), std::string::npos)
        << refused;
}

}  // namespace
}  // namespace plugin_host
