#include "config/section_reader.hpp"

#include "config/typed_value.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>

#include <cstdint>
#include <optional>

namespace plugin_host {

SectionReader::SectionReader(const IniFile& ini, std::string section, std::vector<std::string>& problems)
    : ini_(ini), section_(std::move(section)), problems_(problems) {}

std::string SectionReader::text(std::string_view key, std::string_view fallback) {
    const IniFile::Entry* entry = lookup(key);
    return entry ? entry->value : std::string(fallback);
}

std::string SectionReader::required_text(std::string_view key) {
    const IniFile::Entry* entry = lookup(key);
    if (!entry) return problem(key, "required key is missing"), std::string();
    if (entry->value.empty()) problem(key, "must not be empty");
    return entry->value;
}

long long SectionReader::integer(std::string_view key, long long fallback, long long min, long long max) {
    const IniFile::Entry* entry = lookup(key);
    if (!entry) return fallback;
    std::string problem;
    const std::optional<std::int64_t> value = parse_integer(entry->value, min, max, problem);
    if (!value) return this->problem(key, problem), fallback;
    return *value;
}

std::chrono::milliseconds SectionReader::milliseconds(std::string_view key, std::chrono::milliseconds fallback,
                                                      long long min, long long max) {
    return std::chrono::milliseconds(integer(key, fallback.count(), min, max));
}

bool SectionReader::boolean(std::string_view key, bool fallback) {
    const IniFile::Entry* entry = lookup(key);
    if (!entry) return fallback;
    std::string problem;
    const std::optional<bool> value = parse_boolean(entry->value, problem);
    if (!value) return this->problem(key, problem), fallback;
    return *value;
}

std::vector<std::filesystem::path> SectionReader::path_list(std::string_view key) {
    const IniFile::Entry* entry = lookup(key);
    std::vector<std::filesystem::path> paths;
    if (!entry) return paths;
    std::string problem;
    const std::optional<std::vector<std::string>> items = parse_list(entry->value, problem);
    if (!items) return this->problem(key, problem), paths;
    for (const std::string& item : *items) {
        std::filesystem::path path(item);
        if (path.is_relative()) path = std::filesystem::absolute(ini_.path()).parent_path() / path;
        paths.push_back(path.lexically_normal());
    }
    return paths;
}

std::vector<std::string> SectionReader::list(std::string_view key) {
    const IniFile::Entry* entry = lookup(key);
    if (!entry) return {};
    std::string problem;
    std::optional<std::vector<std::string>> items = parse_list(entry->value, problem);
    if (!items) return this->problem(key, problem), std::vector<std::string>();
    return std::move(*items);
}

std::string SectionReader::listen_address(std::string_view key, std::string_view fallback) {
    const IniFile::Entry* entry = lookup(key);
    if (!entry) return std::string(fallback);
    try {
        Poco::Net::SocketAddress(entry->value, 0);
    } catch (const Poco::Exception& error) {
        problem(key, "\"" + entry->value + "\" is neither an IP address nor a host name that resolves (" +
                         error.displayText() + ")");
        return std::string(fallback);
    }
    return entry->value;
}

void SectionReader::retired(std::string_view key, std::string_view why) {
    if (lookup(key)) problem(key, why);
}

void SectionReader::reject_unread_keys() {
    for (const std::string& key : ini_.keys_of(section_)) {
        if (!read_.contains(key)) problem(key, "unknown key");
    }
}

void SectionReader::problem(std::string_view key, std::string_view what) {
    problems_.push_back(ini_.problem_at(section_, key, what));
}

const IniFile::Entry* SectionReader::lookup(std::string_view key) {
    read_.emplace(key);
    return ini_.find(section_ + "." + std::string(key));
}

}  // namespace plugin_host
