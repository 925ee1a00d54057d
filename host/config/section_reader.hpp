#pragma once

#include "config/ini_file.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace plugin_host {

/// Reads typed values from one section of server.ini and remembers which keys it read, so
/// that a key nobody reads (a typo) is reported instead of silently ignored. A value that is
/// wrong adds a problem to `problems`, naming the file, line and key, and reads as the
/// fallback, so that one pass finds every problem. On the thread that reads the file.
class SectionReader {
public:
    SectionReader(const IniFile& ini, std::string section, std::vector<std::string>& problems);

    std::string text(std::string_view key, std::string_view fallback);
    /// A problem if the key is missing or empty.
    std::string required_text(std::string_view key);
    long long integer(std::string_view key, long long fallback, long long min, long long max);
    std::chrono::milliseconds milliseconds(std::string_view key, std::chrono::milliseconds fallback, long long min,
                                           long long max);
    bool boolean(std::string_view key, bool fallback);

    /// A comma-separated list of paths; relative ones are resolved against the folder of the
    /// configuration file. Empty if the key is missing.
    std::vector<std::filesystem::path> path_list(std::string_view key);

    /// A comma-separated list of names; empty if the key is missing.
    std::vector<std::string> list(std::string_view key);

    /// An address to listen on: an IP address, or a name that resolves to one.
    std::string listen_address(std::string_view key, std::string_view fallback);

    /// A key that is no longer read: a problem, saying `why`, if the file still sets it.
    void retired(std::string_view key, std::string_view why);

    /// A problem for every key of the section that was never read.
    void reject_unread_keys();

    void problem(std::string_view key, std::string_view what);

private:
    const IniFile::Entry* lookup(std::string_view key);

    const IniFile& ini_;
    std::string section_;
    std::vector<std::string>& problems_;
    std::set<std::string, std::less<>> read_;
};

}  // namespace plugin_host
