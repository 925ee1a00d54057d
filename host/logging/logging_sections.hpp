#pragma once

#include "config/ini_file.hpp"

#include <string>
#include <vector>

namespace plugin_host {

/// Checks the [logging.*] sections of `ini` the way Poco's LoggingConfigurator will read
/// them, before it does (it stops at the first problem and names no line): every section
/// is [logging.loggers.<name>], [logging.channels.<name>] or [logging.formatters.<name>];
/// a logger's keys are name, level (a level Poco knows) and channel (a channel section);
/// a channel or formatter names a class Poco's LoggingFactory makes, and each of its other
/// keys is one that class takes with a value it accepts (tried on a throwaway instance,
/// which opens no file and starts no thread); a channel's channel and formatter keys name
/// sections of the file. Adds one problem per wrong key to `problems`, each
/// "<file>:<line>: [section] key: what is wrong". The channel classes the host adds
/// (register_buffered_async_channel()) must be registered first. Main thread, at start-up.
void check_logging_sections(const IniFile& ini, std::vector<std::string>& problems);

}  // namespace plugin_host
