#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace plugin_host {

/// One or more configuration problems. Each names the file, the line when there is one, the
/// key, and what is wrong, e.g. `config/server.ini:7: [server] port: "x" is not a number`;
/// what() holds them one per line.
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(const std::string& problem) : ConfigError(std::vector<std::string>{problem}) {}
    explicit ConfigError(std::vector<std::string> problems);

    const std::vector<std::string>& problems() const { return problems_; }

private:
    std::vector<std::string> problems_;
};

/// An INI file read into "section.key" → value, remembering where each key and section
/// stands. Rules: `[section]` headers, `key = value` lines, whole-line comments starting with
/// `;` or `#`, blank lines ignored, values trimmed; a key may appear once per section.
/// Built once on the thread that loads the configuration; read-only afterwards.
class IniFile {
public:
    struct Entry {
        std::string section;
        std::string key;  ///< without the section prefix
        std::string value;
        int line = 0;
    };

    struct Section {
        std::string name;
        int line = 0;
    };

    /// Reads and parses `file`. Throws ConfigError if it cannot be read (missing, a folder),
    /// is not text (a NUL byte, a byte order mark) or cannot be parsed: every line that
    /// cannot, each named.
    static IniFile load(const std::filesystem::path& file);

    /// Parses `text` as if it were the contents of `file` (used in messages only).
    static IniFile parse(std::string_view text, std::filesystem::path file);

    const std::filesystem::path& path() const { return path_; }

    /// The entry for "section.key", or nullptr.
    const Entry* find(std::string_view key) const;

    /// Sections in the order they first appear in the file.
    const std::vector<Section>& sections() const { return sections_; }

    /// Keys (without the section prefix) of `section`, in alphabetical order.
    std::vector<std::string> keys_of(std::string_view section) const;

    /// Line of `section`'s header, or 0 if the file has no such section.
    int section_line(std::string_view section) const;

    /// "<file>:<line>: [section] key: <problem>", a problem for a ConfigError. The line is
    /// the key's own, else its section's, else omitted.
    std::string problem_at(std::string_view section, std::string_view key, std::string_view problem) const;

    /// Every entry as a Poco configuration (keys "section.key"), for Poco's own
    /// configurators such as the LoggingConfigurator.
    Poco::AutoPtr<Poco::Util::MapConfiguration> to_configuration() const;

private:
    explicit IniFile(std::filesystem::path file) : path_(std::move(file)) {}

    std::filesystem::path path_;
    std::map<std::string, Entry, std::less<>> entries_;
    std::vector<Section> sections_;
};

}  // namespace plugin_host
