#pragma once

#include <filesystem>

namespace plugin_host {

// What every way out of the process does, however it leaves: write out the log lines that
// channels still buffer, and remove the host's private plugin copies.

/// Writes out every buffered log line: closes the channel of every logger (a closed
/// BufferedAsyncChannel or AsyncChannel writes what it holds; lines logged afterwards are
/// written at once), then flushes standard output and error. Main thread, last.
void flush_logging();

/// From now on, an uncaught exception writes out the log, removes `private_copies` and then
/// aborts as usual; a crash signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) removes the
/// folder if it is empty (the copies of loaded plugins are unlinked as soon as they are
/// mapped) and then kills the process as it would have. Main thread, once the host exists.
void clean_up_on_fatal_exit(const std::filesystem::path& private_copies);

}  // namespace plugin_host
