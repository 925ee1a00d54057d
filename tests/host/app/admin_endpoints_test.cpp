// The bodies of GET /admin/plugins, POST /admin/reload and GET /healthz, member by member
// in the order operators' scripts and the other tests read them.
#include "app/admin_endpoints.hpp"

#include <gtest/gtest.h>

namespace plugin_host {
namespace {

using namespace std::chrono_literals;

const std::chrono::system_clock::time_point kLoadedAt{1700000000s};
const std::chrono::system_clock::time_point kRefusedAt{1700000060s};
constexpr const char* kLoadedText = "2023-11-14T22:13:20.000000Z";
constexpr const char* kRefusedText = "2023-11-14T22:14:20.000000Z";

PluginStatus serving() {
    PluginStatus plugin;
    plugin.name = "first";
    plugin.file = "/srv/plugins/first.so";
    plugin.loaded = true;
    plugin.generation = 2;
    plugin.loaded_at = kLoadedAt;
    plugin.routes = {"POST /first"};
    plugin.draining = {{1, kLoadedAt}};
    return plugin;
}

PluginStatus refused() {
    PluginStatus plugin;
    plugin.name = "broken";
    plugin.file = "/srv/plugins/broken.so";
    plugin.last_refusal = Refusal{kRefusedAt, "it exported no \"plugin\" \xff"};
    return plugin;
}

TEST(AdminEndpoints, PluginsListsEachPluginsStateInOrder) {
    const HttpResponse response = plugins_response({serving(), refused()});
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body,
              std::string(R"({"plugins":[{"name":"first","file":"/srv/plugins/first.so","configured":true,"loaded":true,)") +
                  R"("generation":2,"loaded_at":")" + kLoadedText +
                  R"(","routes":["POST /first"],"filters":[],"last_refusal":null,"draining":[{"generation":1,"loaded_at":")" +
                  kLoadedText + R"("}]},)" +
                  R"({"name":"broken","file":"/srv/plugins/broken.so","configured":true,"loaded":false,)" +
                  R"("last_refusal":{"at":")" + kRefusedText +
                  "\",\"reason\":\"it exported no \\\"plugin\\\" \xEF\xBF\xBD\"},\"draining\":[]}]}");
    EXPECT_EQ(plugins_response({}).body, R"({"plugins":[]})");
}

TEST(AdminEndpoints, ReloadSaysWhatItDidAnd409WhenSomethingFailed) {
    ReloadReport report;
    report.loaded = {"swap"};
    report.unchanged = {"first"};
    HttpResponse response = reload_response(report);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body,
              R"({"ok":true,"loaded":["swap"],"removed":[],"unchanged":["first"],"refused":[],"config_error":null})");
    report.refused = {{"swap", "no factory"}};
    report.config_error = "server.ini:3: a value without a key";
    response = reload_response(report);
    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(response.body, R"({"ok":false,"loaded":["swap"],"removed":[],"unchanged":["first"],)"
                             R"("refused":[{"plugin":"swap","reason":"no factory"}],)"
                             R"("config_error":"server.ini:3: a value without a key"})");
}

TEST(AdminEndpoints, HealthIsOkOrDegradedNamingWhatIsMissingAndRefused) {
    EXPECT_EQ(health_response({serving()}, false).body, R"({"status":"ok","plugins":["first"]})");
    PluginStatus removed = serving();
    removed.name = "gone";
    removed.configured = false;  // draining only: not counted
    const HttpResponse degraded = health_response({serving(), refused(), removed}, false);
    EXPECT_EQ(degraded.status, 200);
    EXPECT_EQ(degraded.body, std::string(R"({"status":"degraded","plugins":["first"],"missing":["broken"],)") +
                                 R"("refused":[{"plugin":"broken","at":")" + kRefusedText +
                                 "\",\"reason\":\"it exported no \\\"plugin\\\" \xEF\xBF\xBD\"}]}");
    EXPECT_EQ(health_response({serving(), refused()}, true).status, 503);
}

}  // namespace
}  // namespace plugin_host
