#include "plugins/plugin_file.hpp"

#include <gtest/gtest.h>

#include "support/plugin_files.hpp"
#include "support/temp_dir.hpp"
#include "test_paths.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>

namespace plugin_host {
namespace {

TEST(PluginFile, SignatureChangesWhenTheFileIsReplacedOrRewritten) {
    test_support::TempDir dir;
    const auto file = dir / "p.so";
    EXPECT_FALSE(signature_of(file));
    test_support::publish_by_rename(test_paths::kSwapV1Plugin, file);
    const auto first = signature_of(file);
    ASSERT_TRUE(first);
    EXPECT_EQ(signature_of(file), first);

    test_support::publish_by_rename(test_paths::kSwapV1Plugin, file);  // same bytes, new inode
    // Last written an hour ago: the rewrite below then has another time, however coarse the
    // file system's clock.
    std::filesystem::last_write_time(file, std::filesystem::last_write_time(file) - std::chrono::hours(1));
    const auto renamed = signature_of(file);
    EXPECT_NE(renamed, first);

    test_support::publish_in_place(test_paths::kSwapV2Plugin, file);  // same inode, new bytes
    const auto rewritten = signature_of(file);
    EXPECT_EQ(rewritten->inode, renamed->inode);
    EXPECT_NE(rewritten, renamed);
}

TEST(PluginFile, SignatureOfAFolderIsNothing) {
    test_support::TempDir dir;
    EXPECT_FALSE(signature_of(dir.path()));
}

TEST(PluginFile, ImageIsAnExactCopyWithAFingerprintOfItsContent) {
    test_support::TempDir dir;
    const PluginImage v1 = copy_plugin_image(test_paths::kSwapV1Plugin, dir / "a.so");
    const PluginImage v1_again = copy_plugin_image(test_paths::kSwapV1Plugin, dir / "b.so");
    const PluginImage v2 = copy_plugin_image(test_paths::kSwapV2Plugin, dir / "c.so");

    EXPECT_EQ(std::filesystem::file_size(dir / "a.so"), std::filesystem::file_size(test_paths::kSwapV1Plugin));
    EXPECT_EQ(v1.fingerprint, v1_again.fingerprint);
    EXPECT_NE(v1.fingerprint, v2.fingerprint);
    EXPECT_EQ(v1.source, *signature_of(test_paths::kSwapV1Plugin));
    EXPECT_EQ(v1.path, dir / "a.so");
}

TEST(PluginFile, ImageIsNeverWrittenOverAnExistingFile) {
    test_support::TempDir dir;
    std::ofstream(dir / "taken.so") << "x";
    EXPECT_THROW(copy_plugin_image(test_paths::kSwapV1Plugin, dir / "taken.so"), std::runtime_error);
}

TEST(PluginFile, MissingPublishedFileCannotBeCopied) {
    test_support::TempDir dir;
    EXPECT_THROW(copy_plugin_image(dir / "none.so", dir / "copy.so"), std::runtime_error);
}

TEST(PluginFile, BuiltPluginsAreCompleteSharedObjects) {
    for (const char* plugin : {test_paths::kFirstPlugin, test_paths::kSwapV1Plugin, test_paths::kSwapV2Plugin}) {
        EXPECT_EQ(check_shared_object(plugin), "") << plugin;
    }
}

TEST(PluginFile, TextFileIsNotAnElfFile) {
    test_support::TempDir dir;
    std::ofstream(dir / "text.so") << "#!/bin/sh\necho not a library\n";
    EXPECT_EQ(check_shared_object(dir / "text.so"), "is not an ELF file");
    std::ofstream(dir / "empty.so");
    EXPECT_EQ(check_shared_object(dir / "empty.so"), "is not an ELF file (0 bytes)");
}

TEST(PluginFile, EveryTruncationOfAPluginIsNoticed) {
    test_support::TempDir dir;
    const auto full = dir / "full.so";
    std::filesystem::copy_file(test_paths::kSwapV2Plugin, full);
    const auto size = std::filesystem::file_size(full);
    for (std::uintmax_t cut = 0; cut < size; cut += cut < 128 ? 1 : 97) {
        std::filesystem::copy_file(full, dir / "cut.so", std::filesystem::copy_options::overwrite_existing);
        std::filesystem::resize_file(dir / "cut.so", cut);
        EXPECT_NE(check_shared_object(dir / "cut.so"), "") << "a " << cut << "-byte prefix passed";
    }
}

}  // namespace
}  // namespace plugin_host
