#include "plugins/plugin_trust.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "test_paths.hpp"

#include <unistd.h>

namespace plugin_host {
namespace {

namespace fs = std::filesystem;

constexpr uid_t kStranger = 12345;  // neither root nor the user running the tests

/// A plugin folder of the test's own (mode 0755) holding a copy of the seed plugin `first`.
class PluginTrustTest : public ::testing::Test {
protected:
    PluginTrustTest() {
        fs::create_directory(folder_);
        fs::permissions(folder_, fs::perms(0755));
        fs::copy_file(test_paths::kFirstPlugin, file_);
        fs::permissions(file_, fs::perms(0644));
    }

    std::string refusal(const fs::path& library, PluginTrust::Settings settings = {}) const {
        return PluginTrust(std::move(settings)).check(library).refusal;
    }

    test_support::TempDir dir_;
    fs::path folder_ = dir_ / "plugins";
    fs::path file_ = folder_ / "first.so";
};

TEST_F(PluginTrustTest, TrustsAFileOfTheServersOwnInAFolderOnlyItCanWrite) {
    const PluginTrust::Decision decision = PluginTrust().check(file_);
    EXPECT_EQ(decision.refusal, "");
    EXPECT_EQ(decision.file, fs::canonical(file_));
}

TEST_F(PluginTrustTest, RefusesAFileWritableByItsGroupOrOthers) {
    fs::permissions(file_, fs::perms(0664));
    EXPECT_EQ(refusal(file_),
              "not trusted: the file is writable by its group (mode 0664) ([plugins] allow_untrusted_files = true would "
              "accept it)");
    fs::permissions(file_, fs::perms(0646));
    EXPECT_EQ(refusal(file_),
              "not trusted: the file is writable by others (mode 0646) ([plugins] allow_untrusted_files = true would "
              "accept it)");
}

TEST_F(PluginTrustTest, RefusesAFileOwnedBySomeoneElse) {
    if (::geteuid() != 0) GTEST_SKIP() << "changing a file's owner needs root";
    ASSERT_EQ(::chown(file_.c_str(), kStranger, static_cast<gid_t>(-1)), 0);
    EXPECT_EQ(refusal(file_), "not trusted: the file is owned by uid 12345, neither root nor the server's user (uid 0) "
                              "([plugins] allow_untrusted_files = true would accept it)");
}

TEST_F(PluginTrustTest, RefusesAFileInAFolderOthersCanWrite) {
    fs::permissions(folder_, fs::perms(0777));
    EXPECT_EQ(refusal(file_), "not trusted: its folder " + fs::canonical(folder_).string() +
                                  " is writable by its group and others (mode 0777) ([plugins] allow_untrusted_files = true would "
                                  "accept it)");
}

TEST_F(PluginTrustTest, RefusesAFileBelowAFolderOwnedBySomeoneElse) {
    if (::geteuid() != 0) GTEST_SKIP() << "changing a folder's owner needs root";
    ASSERT_EQ(::chown(dir_.path().c_str(), kStranger, static_cast<gid_t>(-1)), 0);  // could rename plugins/
    EXPECT_NE(refusal(file_).find("its folder " + fs::canonical(dir_.path()).string() + " is owned by uid 12345"),
              std::string::npos)
        << refusal(file_);
}

TEST_F(PluginTrustTest, AcceptsAStickyFolderOthersCanWriteLikeTmp) {
    fs::permissions(folder_, fs::perms(01777));
    EXPECT_EQ(refusal(file_), "");
}

TEST_F(PluginTrustTest, RefusesALinkLeadingOutOfThePluginFolder) {
    const test_support::TempDir elsewhere;
    fs::copy_file(test_paths::kFirstPlugin, elsewhere / "first.so");
    fs::create_symlink(elsewhere / "first.so", folder_ / "link.so");
    EXPECT_EQ(refusal(folder_ / "link.so"), "it resolves to " + fs::canonical(elsewhere / "first.so").string() +
                                                ", which is outside the plugin folders (" +
                                                fs::canonical(folder_).string() + ")");
}

TEST_F(PluginTrustTest, FollowsALinkWithinThePluginFolder) {
    fs::create_symlink(file_, folder_ / "link.so");
    const PluginTrust::Decision decision = PluginTrust().check(folder_ / "link.so");
    EXPECT_EQ(decision.refusal, "");
    EXPECT_EQ(decision.file, fs::canonical(file_));
}

TEST_F(PluginTrustTest, RefusesALibraryOutsideTheConfiguredFolders) {
    const test_support::TempDir other;
    EXPECT_EQ(refusal(file_, {{other.path()}, false}),
              "it is outside the plugin folders (" + fs::canonical(other.path()).string() + ")");
    EXPECT_EQ(refusal(file_, {{other.path(), dir_.path()}, false}), "");  // any folder above it counts
}

TEST_F(PluginTrustTest, AllowingUntrustedFilesKeepsThePluginFolders) {
    fs::permissions(file_, fs::perms(0666));
    EXPECT_EQ(refusal(file_, {{}, true}), "");
    const test_support::TempDir other;
    EXPECT_NE(refusal(file_, {{other.path()}, true}).find("outside the plugin folders"), std::string::npos);
}

TEST_F(PluginTrustTest, MissingFileIsRefusedNotThrown) {
    EXPECT_EQ(refusal(folder_ / "ghost.so"), "cannot resolve the path: No such file or directory");
}

TEST_F(PluginTrustTest, PrivateFolderMustNotBeWritableByOthers) {
    EXPECT_EQ(PluginTrust().check_private_folder(folder_), "");
    fs::permissions(folder_, fs::perms(0775));
    EXPECT_EQ(PluginTrust().check_private_folder(folder_),
              "its folder " + fs::canonical(folder_).string() + " is writable by its group (mode 0775)");
    EXPECT_EQ(PluginTrust({{}, true}).check_private_folder(folder_), "");
}

}  // namespace
}  // namespace plugin_host
