#include "config/ini_file.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

#include <fstream>

namespace plugin_host {
namespace {

std::string error_of(std::string_view text) {
    try {
        IniFile::parse(text, "conf/test.ini");
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

TEST(IniFile, ReadsSectionsKeysAndLines) {
    const IniFile ini = IniFile::parse(
        "; a comment\n"
        "# another comment\n"
        "\n"
        "[server]\n"
        "  port   =  8991  \n"
        "address=0.0.0.0\n"
        "[plugin.first]\n"
        "library = first.so\n"
        "empty =\n",
        "test.ini");

    ASSERT_NE(ini.find("server.port"), nullptr);
    EXPECT_EQ(ini.find("server.port")->value, "8991");
    EXPECT_EQ(ini.find("server.port")->line, 5);
    EXPECT_EQ(ini.find("server.address")->value, "0.0.0.0");
    EXPECT_EQ(ini.find("plugin.first.library")->value, "first.so");
    EXPECT_EQ(ini.find("plugin.first.empty")->value, "");
    EXPECT_EQ(ini.find("server.missing"), nullptr);
    EXPECT_EQ(ini.section_line("plugin.first"), 7);
    EXPECT_EQ(ini.keys_of("server"), (std::vector<std::string>{"address", "port"}));
    ASSERT_EQ(ini.sections().size(), 2u);
    EXPECT_EQ(ini.sections()[0].name, "server");
    EXPECT_EQ(ini.sections()[1].name, "plugin.first");
}

TEST(IniFile, KeysWithDotsStayInTheirSection) {
    const IniFile ini = IniFile::parse("[logging.channels.c1]\nformatter.class = PatternFormatter\n", "x.ini");
    EXPECT_EQ(ini.keys_of("logging.channels.c1"), (std::vector<std::string>{"formatter.class"}));
    EXPECT_EQ(ini.to_configuration()->getString("logging.channels.c1.formatter.class"),
              "PatternFormatter");
}

TEST(IniFile, CrLfLineEndingsAreAccepted) {
    const IniFile ini = IniFile::parse("[server]\r\nport = 1\r\n", "x.ini");
    EXPECT_EQ(ini.find("server.port")->value, "1");
}

TEST(IniFile, UnclosedSectionHeaderNamesFileAndLine) {
    EXPECT_EQ(error_of("[server]\nport = 1\n[plugin.first\n"),
              "conf/test.ini:3: section header lacks its closing ']'");
}

TEST(IniFile, LineWithoutEqualsSignNamesFileAndLine) {
    EXPECT_EQ(error_of("[server]\nport 8991\n"),
              "conf/test.ini:2: expected 'key = value' or '[section]', found \"port 8991\"");
}

TEST(IniFile, KeyOutsideAnySectionIsAnError) {
    EXPECT_EQ(error_of("port = 1\n"), "conf/test.ini:1: key \"port\" stands before any [section]");
}

TEST(IniFile, DuplicateKeyNamesBothLines) {
    EXPECT_EQ(error_of("[server]\nport = 1\n\nport = 2\n"),
              "conf/test.ini:4: [server] port: set twice (first on line 2)");
}

TEST(IniFile, EmptySectionNameIsAnError) {
    EXPECT_EQ(error_of("[ ]\n"), "conf/test.ini:1: empty section name");
}

TEST(IniFile, MissingFileIsNamed) {
    try {
        IniFile::load("/nonexistent/server.ini");
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_STREQ(error.what(), "/nonexistent/server.ini: cannot open the configuration file");
    }
}

TEST(IniFile, LoadsFromDisk) {
    test_support::TempDir dir;
    std::ofstream(dir / "a.ini") << "[repository]\ndelay_ms = 5\n";
    const IniFile ini = IniFile::load(dir / "a.ini");
    EXPECT_EQ(ini.find("repository.delay_ms")->value, "5");
    EXPECT_EQ(ini.path(), dir / "a.ini");
}

TEST(IniFile, AProblemNamesTheKeysLineOrElseItsSection) {
    const IniFile ini = IniFile::parse("[a]\nx = 1\n", "f.ini");
    EXPECT_EQ(ini.problem_at("a", "x", "bad"), "f.ini:2: [a] x: bad");
    EXPECT_EQ(ini.problem_at("a", "y", "bad"), "f.ini:1: [a] y: bad");
    EXPECT_EQ(ini.problem_at("b", "z", "bad"), "f.ini: [b] z: bad");
}

TEST(IniFile, EveryLineThatCannotBeParsedIsNamedAndTheKeysOfABrokenHeaderAreSkipped) {
    try {
        IniFile::parse("[server]\nport 1\n[plugin.x\nlibrary = a.so\n[ok]\na = 1\na = 2\n", "conf/test.ini");
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.problems(), (std::vector<std::string>{
                                        "conf/test.ini:2: expected 'key = value' or '[section]', found \"port 1\"",
                                        "conf/test.ini:3: section header lacks its closing ']'",
                                        "conf/test.ini:7: [ok] a: set twice (first on line 6)"}));
        EXPECT_EQ(std::string(error.what()), error.problems()[0] + "\n" + error.problems()[1] + "\n" +
                                                 error.problems()[2]);
    }
}

TEST(IniFile, AFileThatIsNotTextIsOneProblem) {
    EXPECT_EQ(error_of("\xEF\xBB\xBF[server]\nport = 1\n"),
              "conf/test.ini:1: starts with a byte order mark (U+FEFF): save the file as UTF-8 without one");
    EXPECT_EQ(error_of(std::string_view("[server]\nport = 1\n\0\0\0 junk\n", 22)),
              "conf/test.ini:3: holds a NUL byte: not a text file");
}

TEST(IniFile, AFolderIsNamedAsOne) {
    test_support::TempDir dir;
    try {
        IniFile::load(dir.path());
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()), dir.path().string() + ": is a folder, not a configuration file");
    }
}

}  // namespace
}  // namespace plugin_host
