#include "config/ini_file.hpp"

#include "text/trim.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace plugin_host {
namespace {

/// Blanks, and the carriage return of a file written with CRLF line ends.
constexpr std::string_view kLineBlanks = " \t\r";

}  // namespace

namespace {

std::string join_lines(const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) text += (text.empty() ? "" : "\n") + line;
    return text;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

IniFile IniFile::load(const std::filesystem::path& file) {
    std::error_code ignored;
    if (std::filesystem::is_directory(file, ignored)) {
        throw ConfigError(file.string() + ": is a folder, not a configuration file");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError(file.string() + ": cannot open the configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ConfigError(file.string() + ": cannot read the configuration file");
    return parse(text.str(), file);
}

IniFile IniFile::parse(std::string_view text, std::filesystem::path file) {
    IniFile ini(std::move(file));
    std::vector<std::string> problems;
    const auto problem = [&](int line, std::string_view what) {
        problems.push_back(ini.path_.string() + ":" + std::to_string(line) + ": " + std::string(what));
    };

    // Not text at all: one line says so, rather than one per line that fails to parse.
    if (text.starts_with("\xEF\xBB\xBF")) {
        problem(1, "starts with a byte order mark (U+FEFF): save the file as UTF-8 without one");
        throw ConfigError(problems);
    }
    if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
        const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
        problem(static_cast<int>(line), "holds a NUL byte: not a text file");
        throw ConfigError(problems);
    }

    std::string section;
    bool section_broken = false;  // its header was refused: its keys are skipped, not reported
    int line_number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const std::string_view raw = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        ++line_number;

        const std::string_view line = trim(raw, kLineBlanks);
        if (line.empty() || line.front() == ';' || line.front() == '#') continue;

        if (line.front() == '[') {
            section_broken = true;
            if (line.back() != ']') {
                problem(line_number, "section header lacks its closing ']'");
                continue;
            }
            section = std::string(trim(line.substr(1, line.size() - 2)));
            if (section.empty()) {
                problem(line_number, "empty section name");
                continue;
            }
            section_broken = false;
            if (ini.section_line(section) == 0) ini.sections_.push_back({section, line_number});
            continue;
        }
        if (section_broken) continue;

        const auto equals = line.find('=');
        if (equals == std::string_view::npos) {
            problem(line_number, "expected 'key = value' or '[section]', found \"" + std::string(line) + "\"");
            continue;
        }
        const std::string_view key = trim(line.substr(0, equals));
        if (key.empty()) {
            problem(line_number, "a key name is missing before '='");
            continue;
        }
        if (section.empty()) {
            problem(line_number, "key \"" + std::string(key) + "\" stands before any [section]");
            continue;
        }
        std::string full_key = section + "." + std::string(key);
        if (const Entry* earlier = ini.find(full_key)) {
            problem(line_number, "[" + section + "] " + std::string(key) + ": set twice (first on line " +
                                     std::to_string(earlier->line) + ")");
            continue;
        }
        ini.entries_.emplace(std::move(full_key),
                             Entry{section, std::string(key), std::string(trim(line.substr(equals + 1))), line_number});
    }
    if (!problems.empty()) throw ConfigError(problems);
    return ini;
}

const IniFile::Entry* IniFile::find(std::string_view key) const {
    const auto found = entries_.find(key);
    return found == entries_.end() ? nullptr : &found->second;
}

std::vector<std::string> IniFile::keys_of(std::string_view section) const {
    std::vector<std::string> keys;
    for (const auto& [full_key, entry] : entries_) {
        if (entry.section == section) keys.push_back(entry.key);
    }
    return keys;
}

int IniFile::section_line(std::string_view section) const {
    for (const Section& known : sections_) {
        if (known.name == section) return known.line;
    }
    return 0;
}

std::string IniFile::problem_at(std::string_view section, std::string_view key, std::string_view problem) const {
    int line = section_line(section);
    if (const Entry* entry = find(std::string(section) + "." + std::string(key))) line = entry->line;

    std::string message = path_.string();
    if (line > 0) message += ":" + std::to_string(line);
    message += ": [" + std::string(section) + "] " + std::string(key) + ": " + std::string(problem);
    return message;
}

Poco::AutoPtr<Poco::Util::MapConfiguration> IniFile::to_configuration() const {
    Poco::AutoPtr<Poco::Util::MapConfiguration> configuration(new Poco::Util::MapConfiguration);
    for (const auto& [key, entry] : entries_) configuration->setString(key, entry.value);
    return configuration;
}

}  // namespace plugin_host
