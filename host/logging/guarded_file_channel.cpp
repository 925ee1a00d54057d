#include "logging/guarded_file_channel.hpp"

#include <Poco/Instantiator.h>
#include <Poco/LoggingFactory.h>

#include <unistd.h>

#include <mutex>
#include <set>

namespace plugin_host {
namespace {

/// Every ReopenableLogFile that exists.
struct LogFiles {
    std::mutex mutex;
    std::set<ReopenableLogFile*> files;
};

LogFiles& log_files() {
    static LogFiles* const files = new LogFiles;  // never destroyed: channels may outlive statics
    return *files;
}

}  // namespace

ReopenableLogFile::ReopenableLogFile() {
    const std::lock_guard lock(log_files().mutex);
    log_files().files.insert(this);
}

ReopenableLogFile::~ReopenableLogFile() { stop_reopening(); }

void ReopenableLogFile::stop_reopening() {
    const std::lock_guard lock(log_files().mutex);
    log_files().files.erase(this);
}

std::size_t reopen_log_files() {
    const std::lock_guard lock(log_files().mutex);
    for (ReopenableLogFile* file : log_files().files) file->reopen();
    return log_files().files.size();
}

void report_log_file_state(const std::string& path, const std::string& reason, std::uint64_t dropped) {
    const std::string line =
        reason.empty() ? "plugin-host: writing the log file " + path + " again; " + std::to_string(dropped) +
                             " log messages were dropped meanwhile\n"
                       : "plugin-host: cannot write the log file " + path + ": " + reason +
                             "; its messages are dropped until it can be written again (requests are still served)\n";
    // One write(2), so that lines from several threads do not interleave.
    [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
}

void guard_log_files(Poco::Util::AbstractConfiguration& configuration) {
    static std::once_flag registered;
    std::call_once(registered, [] {
        Poco::LoggingFactory& factory = Poco::LoggingFactory::defaultFactory();
        factory.registerChannelClass(
            "GuardedFileChannel", new Poco::Instantiator<GuardedFileChannel<Poco::FileChannel>, Poco::Channel>);
        factory.registerChannelClass(
            "GuardedSimpleFileChannel",
            new Poco::Instantiator<GuardedFileChannel<Poco::SimpleFileChannel>, Poco::Channel>);
    });
    const auto guard = [&configuration](const std::string& key) {
        const std::string name = configuration.getString(key, "");
        if (name == "FileChannel" || name == "SimpleFileChannel") configuration.setString(key, "Guarded" + name);
    };
    Poco::Util::AbstractConfiguration::Keys names;
    configuration.keys("logging.channels", names);
    for (const std::string& name : names) guard("logging.channels." + name + ".class");
    configuration.keys("logging.loggers", names);
    for (const std::string& name : names) guard("logging.loggers." + name + ".channel.class");
}

}  // namespace plugin_host
