#include "app/exit_paths.hpp"

#include <Poco/Logger.h>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <set>
#include <string>
#include <vector>

namespace plugin_host {
namespace {

/// The folder to remove, as a C string a signal handler can use without allocating.
char private_copies_path[4096];

void remove_private_copies_folder() {
    if (private_copies_path[0] != '\0') ::rmdir(private_copies_path);
}

[[noreturn]] void on_terminate() {
    std::cerr << "plugin-host: fatal: an exception escaped a thread; exiting" << std::endl;
    std::error_code ignored;
    std::filesystem::remove_all(private_copies_path, ignored);
    private_copies_path[0] = '\0';
    flush_logging();
    std::abort();
}

void on_crash_signal(int signal) {
    remove_private_copies_folder();  // rmdir(2) is async-signal-safe
    std::signal(signal, SIG_DFL);
    ::raise(signal);
}

}  // namespace

void flush_logging() {
    std::vector<std::string> names;
    Poco::Logger::names(names);
    std::set<Poco::Channel*> closed;
    for (const std::string& name : names) {
        Poco::Channel::Ptr channel = Poco::Logger::get(name).getChannel();
        if (channel && closed.insert(channel.get()).second) {
            try {
                channel->close();
            } catch (...) {
                // A channel that cannot be closed has nothing more to give.
            }
        }
    }
    std::cout.flush();
    std::cerr.flush();
}

void clean_up_on_fatal_exit(const std::filesystem::path& private_copies) {
    const std::string path = private_copies.string();
    if (path.size() >= sizeof private_copies_path) return;
    std::memcpy(private_copies_path, path.c_str(), path.size() + 1);
    std::set_terminate(on_terminate);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)  // their own handlers report crashes
    for (const int signal : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) std::signal(signal, on_crash_signal);
#endif
}

}  // namespace plugin_host
