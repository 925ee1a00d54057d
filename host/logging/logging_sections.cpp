#include "logging/logging_sections.hpp"

#include "text/trim.hpp"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/LoggingFactory.h>

#include <algorithm>
#include <set>
#include <string_view>

namespace plugin_host {
namespace {

constexpr std::string_view kLoggers = "logging.loggers.";
constexpr std::string_view kChannels = "logging.channels.";
constexpr std::string_view kFormatters = "logging.formatters.";

/// The keys of `section` in the order of their lines.
std::vector<const IniFile::Entry*> entries_of(const IniFile& ini, const std::string& section) {
    std::vector<const IniFile::Entry*> entries;
    for (const std::string& key : ini.keys_of(section)) entries.push_back(ini.find(section + "." + key));
    std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) { return a->line < b->line; });
    return entries;
}

/// The names of the sections that start with `prefix` ("logging.channels." → {"buffered", ...}).
std::set<std::string, std::less<>> names_under(const IniFile& ini, std::string_view prefix) {
    std::set<std::string, std::less<>> names;
    for (const IniFile::Section& section : ini.sections()) {
        if (section.name.starts_with(prefix)) names.insert(section.name.substr(prefix.size()));
    }
    return names;
}

/// Checks one section; `object` makes the throwaway instance of its class.
class SectionCheck {
public:
    SectionCheck(const IniFile& ini, std::string section, std::vector<std::string>& problems)
        : ini_(ini), section_(std::move(section)), problems_(problems) {}

    void problem(const IniFile::Entry& entry, const std::string& what) {
        problems_.push_back(ini_.problem_at(section_, entry.key, what));
    }

    /// Sets `entry` on `object` as Poco will; a problem if the class does not take it.
    template <typename Configurable>
    void try_property(Configurable& object, const std::string& class_name, const IniFile::Entry& entry) {
        try {
            object.setProperty(entry.key, entry.value);
        } catch (const Poco::PropertyNotSupportedException&) {
            problem(entry, "unknown key: a " + class_name + " has no such property");
        } catch (const Poco::Exception& error) {
            problem(entry, "\"" + entry.value + "\" is not accepted: " + error.displayText());
        }
    }

    /// A problem unless every comma-separated name in `entry` is one of `known`.
    void expect_names(const IniFile::Entry& entry, const std::set<std::string, std::less<>>& known,
                      std::string_view kind) {
        std::string_view rest = entry.value;
        while (true) {
            const auto comma = rest.find(',');
            const std::string name(trim(rest.substr(0, comma)));
            if (!known.contains(name)) {
                problem(entry, "\"" + name + "\" names no [logging." + std::string(kind) + "." + name + "] section");
                return;
            }
            if (comma == std::string_view::npos) return;
            rest.remove_prefix(comma + 1);
        }
    }

    const std::string& section() const { return section_; }

private:
    const IniFile& ini_;
    std::string section_;
    std::vector<std::string>& problems_;
};

void check_logger(const IniFile& ini, const std::string& section, const std::set<std::string, std::less<>>& channels,
                  std::vector<std::string>& problems) {
    SectionCheck check(ini, section, problems);
    for (const IniFile::Entry* entry : entries_of(ini, section)) {
        if (entry->key == "name" || entry->key.starts_with("channel.")) continue;  // an inline channel: Poco's
        if (entry->key == "channel") {
            check.expect_names(*entry, channels, "channels");
        } else if (entry->key == "level") {
            try {
                Poco::Logger::parseLevel(entry->value);
            } catch (const Poco::Exception&) {
                check.problem(*entry, "\"" + entry->value +
                                          "\" is not a log level (none, fatal, critical, error, warning, notice, "
                                          "information, debug, trace, or 1 to 8)");
            }
        } else {
            check.problem(*entry, "unknown key: a logger takes name, channel and level");
        }
    }
}

/// A channel or formatter section: its class, then each property on a throwaway instance.
template <typename Instance>
void check_configurable(const IniFile& ini, const std::string& section, std::string_view kind,
                        const std::set<std::string, std::less<>>& channels,
                        const std::set<std::string, std::less<>>& formatters, std::vector<std::string>& problems) {
    SectionCheck check(ini, section, problems);
    const IniFile::Entry* class_entry = ini.find(section + ".class");
    if (!class_entry) {
        problems.push_back(ini.problem_at(section, "class", "required key is missing: the " + std::string(kind) +
                                                                "'s class, e.g. " +
                                                                (kind == "channel" ? "FileChannel" : "PatternFormatter")));
        return;
    }
    Poco::AutoPtr<Instance> instance;
    try {
        if constexpr (std::is_same_v<Instance, Poco::Channel>) {
            instance = Poco::LoggingFactory::defaultFactory().createChannel(class_entry->value);
        } else {
            instance = Poco::LoggingFactory::defaultFactory().createFormatter(class_entry->value);
        }
    } catch (const Poco::Exception&) {
        check.problem(*class_entry, "\"" + class_entry->value + "\" is not a " + std::string(kind) +
                                        " class Poco's LoggingFactory knows");
        return;
    }
    for (const IniFile::Entry* entry : entries_of(ini, section)) {
        if (entry->key == "class" || entry->key.starts_with("formatter.")) continue;  // inline formatter: Poco's
        if constexpr (std::is_same_v<Instance, Poco::Channel>) {
            if (entry->key == "channel") {
                check.expect_names(*entry, channels, "channels");
                continue;
            }
            if (entry->key == "formatter") {
                check.expect_names(*entry, formatters, "formatters");
                continue;
            }
            if (entry->key == "pattern") continue;  // Poco makes a PatternFormatter of it
        }
        check.try_property(*instance, class_entry->value, *entry);
    }
}

}  // namespace

void check_logging_sections(const IniFile& ini, std::vector<std::string>& problems) {
    const auto channels = names_under(ini, kChannels);
    const auto formatters = names_under(ini, kFormatters);
    for (const IniFile::Section& section : ini.sections()) {
        if (!section.name.starts_with("logging.")) continue;
        const auto named = [&section](std::string_view prefix) {
            return section.name.starts_with(prefix) && section.name.size() > prefix.size();
        };
        if (named(kLoggers)) {
            check_logger(ini, section.name, channels, problems);
        } else if (named(kChannels)) {
            check_configurable<Poco::Channel>(ini, section.name, "channel", channels, formatters, problems);
        } else if (named(kFormatters)) {
            check_configurable<Poco::Formatter>(ini, section.name, "formatter", channels, formatters, problems);
        } else {
            problems.push_back(ini.path().string() + ":" + std::to_string(section.line) + ": unknown section [" +
                               section.name +
                               "] (known: [logging.loggers.<name>], [logging.channels.<name>], "
                               "[logging.formatters.<name>])");
        }
    }
}

}  // namespace plugin_host
