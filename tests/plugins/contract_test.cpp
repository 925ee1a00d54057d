// The contract's versions through the real executable: a plugin built against the frozen
// 2.0, 2.1 or 2.2 header loads and serves; one of contract 1, or of a minor newer than the host's, stops
// start-up naming both versions.
#include <gtest/gtest.h>

#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "test_paths.hpp"

#include <csignal>

namespace {

using test_support::HostProcess;

TEST(Contract, APluginBuiltAgainstTheFrozen20HeaderServesInTheCurrentHost) {
    HostProcess host(0, std::string("[plugin.frozen]\nlibrary = ") + test_paths::kFrozenV2_0Plugin +
                            "\ntag = kept\nshout = true\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    const auto response = test_support::send_request(host.port(), "GET", "/frozen/a%20b?greeting=hi");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "hi, a b (repository: frozen Executed)!");
    EXPECT_EQ(response.headers.get("Content-Type"), "text/plain");
    EXPECT_EQ(response.headers.get("X-Frozen"), "kept");
    EXPECT_TRUE(host.wait_for_output("greeted a b")) << host.output();  // its logger
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
}

TEST(Contract, APluginBuiltAgainstTheFrozen21HeaderServesInTheCurrentHost) {
    HostProcess host(0, std::string("[plugin.frozen21]\nlibrary = ") + test_paths::kFrozenV2_1Plugin +
                            "\n[filters]\napply = frozen21\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    const auto response = test_support::send_request(host.port(), "POST", "/frozen21", "12345678");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"started":true,"requests":1})");
    EXPECT_EQ(response.headers.get("X-Frozen-Filter", ""), "after");
    const auto too_large = test_support::send_request(host.port(), "POST", "/frozen21", "123456789");
    EXPECT_EQ(too_large.status, 413);  // its own limit, below the server's
    EXPECT_EQ(host.metric("frozen21_requests_total{plugin=\"frozen21\"}"), 1);
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
}

TEST(Contract, APluginBuiltAgainstTheFrozen22HeaderServesInTheCurrentHostItsDoneOnTheTimerThread) {
    HostProcess host(20, std::string("[plugin.frozen22]\nlibrary = ") + test_paths::kFrozenV2_2Plugin + "\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    const auto response = test_support::send_request(host.port(), "POST", "/frozen22", "x");
    EXPECT_EQ(response.status, 200);
    EXPECT_TRUE(response.body.starts_with("ph-loop-")) << response.body;  // it never blocks
    EXPECT_TRUE(response.body.ends_with(" ph-timer frozen22 Executed")) << response.body;
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
}

TEST(Contract, A20PluginsRoutesPassThroughA21PluginsFilters) {
    HostProcess host(0, std::string("[plugin.frozen]\nlibrary = ") + test_paths::kFrozenV2_0Plugin +
                            "\n[plugin.cors]\nlibrary = " + test_paths::kCorsPlugin + "\n[filters]\napply = cors\n");
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    Poco::Net::NameValueCollection origin;
    origin.add("Origin", "https://app.example");
    const auto response = test_support::send_request(host.port(), "GET", "/frozen/x", {}, "", origin);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.headers.get("X-Frozen", ""), "2.0");
    EXPECT_EQ(response.headers.get("Access-Control-Allow-Origin", ""), "*");
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait(), 0);
}

TEST(Contract, APluginOfAnotherMajorOrANewerMinorStopsStartUpNamingBothVersions) {
    for (const auto& [plugin, message] : std::vector<std::pair<std::string, std::string>>{
             {test_paths::kContractV1Plugin, "was built for plugin contract 1, this host speaks contract 2.3"},
             {test_paths::kContractV2_9Plugin, "was built for plugin contract 2.9, this host speaks contract 2.3"}}) {
        HostProcess host(0, "[plugin.other]\nlibrary = " + plugin + "\n");
        EXPECT_EQ(host.wait_for(std::chrono::seconds(10)), std::optional<int>(78)) << host.output();
        EXPECT_NE(host.output().find("plugin-host: plugin 'other' (" + plugin + "): " + message), std::string::npos)
            << host.output();
    }
}

}  // namespace
