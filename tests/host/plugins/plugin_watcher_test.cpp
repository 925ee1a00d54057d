// The plugin watcher with thousands of descriptors open: every descriptor it waits on is
// beyond what select() can take.
#include "plugins/plugin_watcher.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/open_files.hpp"
#include "support/plugin_files.hpp"
#include "support/test_host.hpp"
#include "test_paths.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <vector>

namespace plugin_host {
namespace {

/// Holds `count` descriptors open (of /dev/null) while it exists.
class HeldDescriptors {
public:
    explicit HeldDescriptors(std::size_t count) {
        for (std::size_t i = 0; i < count; ++i) {
            const int descriptor = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (descriptor < 0) break;
            held_.push_back(descriptor);
        }
    }
    ~HeldDescriptors() {
        for (const int descriptor : held_) ::close(descriptor);
    }
    HeldDescriptors(const HeldDescriptors&) = delete;
    HeldDescriptors& operator=(const HeldDescriptors&) = delete;

    std::size_t count() const { return held_.size(); }
    int highest() const { return held_.empty() ? -1 : held_.back(); }

private:
    std::vector<int> held_;
};

TEST(PluginWatcher, ReloadsAndWatchesANewFolderWithEighteenThousandDescriptorsOpen) {
    constexpr std::size_t kWanted = 18000;
    const std::size_t limit = test_support::raise_open_file_limit();
    const std::size_t count = std::min(kWanted, limit - 256);
    if (count < 2048) GTEST_SKIP() << "the open-file limit is " << limit << "; this test needs a few thousand";
    if (count < kWanted) std::cerr << "open-file limit " << limit << ": testing with " << count << " descriptors\n";
    const HeldDescriptors held(count);
    ASSERT_EQ(held.count(), count);
    ASSERT_GT(held.highest(), 1023);

    test_support::TempDir elsewhere;  // a second plugin folder, new to the host
    test_support::publish_by_rename(test_paths::kSwapV1Plugin, elsewhere / "swap.so");
    const std::string ini = test_support::test_server_ini(0) + "[plugins]\nsettle_ms = 50\n" +
                            test_support::seed_plugins_ini();
    test_support::RunningHost host(ini);
    std::ofstream(host.host().config_file()) << ini + "[plugin.swap]\nlibrary = " + (elsewhere / "swap.so").string() + "\n";
    const ReloadReport report = host.host().reload();
    EXPECT_EQ(report.loaded, std::vector<std::string>{"swap"});
    EXPECT_EQ(test_support::post_json(host.port(), "/swap", test_support::seed_body("s")).body, R"({"version":"v1"})");

    for (int storm = 0; storm < 20; ++storm) EXPECT_TRUE(host.host().reload().ok());

    // The new folder is watched: a version published there is loaded by itself.
    test_support::publish_by_rename(test_paths::kSwapV2Plugin, elsewhere / "swap.so");
    EXPECT_TRUE(test_support::eventually([&] {
        return test_support::post_json(host.port(), "/swap", test_support::seed_body("s")).body == R"({"version":"v2"})";
    }));
}

}  // namespace
}  // namespace plugin_host
