#include "config/ini_file.hpp"

#include "text/trim.hpp"

#include <fstream>
#include <sstream>

namespace plugin_host {
namespace {

/// Blanks, and the carriage return of a file written with CRLF line ends.
constexpr std::string_view kLineBlanks = " \t\r";

}  // namespace

IniFile IniFile::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError(file.string() + ": cannot open the configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ConfigError(file.string() + ": cannot read the configuration file");
    return parse(text.str(), file);
}

IniFile IniFile::parse(std::string_view text, std::filesystem::path file) {
    IniFile ini(std::move(file));
    const auto error = [&ini](int line, std::string_view what) {
        return ConfigError(ini.path_.string() + ":" + std::to_string(line) + ": " +
                           std::string(what));
    };

    std::string section;
    int line_number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const std::string_view raw = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        ++line_number;

        const std::string_view line = trim(raw, kLineBlanks);
        if (line.empty() || line.front() == ';' || line.front() == '#') continue;

        if (line.front() == '[') {
            if (line.back() != ']') throw error(line_number, "section header lacks its closing ']'");
            section = std::string(trim(line.substr(1, line.size() - 2)));
            if (section.empty()) throw error(line_number, "empty section name");
            if (ini.section_line(section) == 0) ini.sections_.push_back({section, line_number});
            continue;
        }

        const auto equals = line.find('=');
        if (equals == std::string_view::npos) {
            throw error(line_number, "expected 'key = value' or '[section]', found \"" +
                                         std::string(line) + "\"");
        }
        const std::string_view key = trim(line.substr(0, equals));
        if (key.empty()) throw error(line_number, "a key name is missing before '='");
        if (section.empty()) {
            throw error(line_number, "key \"" + std::string(key) + "\" stands before any [section]");
        }
        std::string full_key = section + "." + std::string(key);
        if (const Entry* earlier = ini.find(full_key)) {
            throw error(line_number, "[" + section + "] " + std::string(key) +
                                         ": set twice (first on line " +
                                         std::to_string(earlier->line) + ")");
        }
        ini.entries_.emplace(std::move(full_key),
                             Entry{section, std::string(key),
                                   std::string(trim(line.substr(equals + 1))), line_number});
    }
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

void IniFile::fail(std::string_view section, std::string_view key,
                   std::string_view problem) const {
    int line = section_line(section);
    if (const Entry* entry = find(std::string(section) + "." + std::string(key))) line = entry->line;

    std::string message = path_.string();
    if (line > 0) message += ":" + std::to_string(line);
    message += ": [" + std::string(section) + "] " + std::string(key) + ": " + std::string(problem);
    throw ConfigError(message);
}

Poco::AutoPtr<Poco::Util::MapConfiguration> IniFile::to_configuration() const {
    Poco::AutoPtr<Poco::Util::MapConfiguration> configuration(new Poco::Util::MapConfiguration);
    for (const auto& [key, entry] : entries_) configuration->setString(key, entry.value);
    return configuration;
}

}  // namespace plugin_host
