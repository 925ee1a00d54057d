#include "plugins/shadow_folder.hpp"

#include "config/ini_file.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace plugin_host {
namespace {

TEST(ShadowFolder, IsANewFolderOnlyTheServerCanEnter) {
    const test_support::TempDir parent;
    const ShadowFolder first(parent.path() / "not" / "there" / "yet", PluginTrust{});
    const ShadowFolder second(parent.path() / "not" / "there" / "yet", PluginTrust{});
    EXPECT_NE(first.path(), second.path());
    EXPECT_EQ(first.path().parent_path(), parent.path() / "not" / "there" / "yet");
    EXPECT_EQ(std::filesystem::status(first.path()).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_all);
}

TEST(ShadowFolder, NamesEveryImageOnce) {
    const test_support::TempDir parent;
    ShadowFolder folder(parent.path(), PluginTrust{});
    const std::filesystem::path one = folder.next_image("first");
    const std::filesystem::path two = folder.next_image("first");
    EXPECT_NE(one, two);
    EXPECT_EQ(one.parent_path(), folder.path());
    EXPECT_EQ(one.extension(), ".so");
    EXPECT_EQ(one.filename().string().rfind("first.", 0), 0u);
}

TEST(ShadowFolder, GoesWithEverythingInItWhenDiscardedOrDestroyed) {
    const test_support::TempDir parent;
    std::filesystem::path kept;
    {
        ShadowFolder folder(parent.path(), PluginTrust{});
        kept = folder.path();
        std::ofstream(folder.next_image("first")) << "image";
        folder.discard();
        EXPECT_FALSE(std::filesystem::exists(kept));
    }
    {
        ShadowFolder folder(parent.path(), PluginTrust{});
        kept = folder.path();
        std::ofstream(folder.next_image("first")) << "image";
    }
    EXPECT_FALSE(std::filesystem::exists(kept));
}

TEST(ShadowFolder, WhereItCannotBeMadeTheErrorNamesTheKey) {
    const test_support::TempDir parent;
    std::ofstream(parent.path() / "a-file") << "not a folder";
    try {
        ShadowFolder folder(parent.path() / "a-file", PluginTrust{});
        FAIL() << "made a shadow folder inside a file";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()).rfind("[plugins] shadow_dir: cannot keep private plugin copies in " +
                                                      (parent.path() / "a-file").string() + ": ",
                                                  0),
                  0u)
            << error.what();
    }
}

}  // namespace
}  // namespace plugin_host
