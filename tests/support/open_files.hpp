#pragma once

#include <sys/resource.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <system_error>

namespace test_support {

/// Raises this process's soft open-file limit to its hard one (tests that open thousands of
/// connections or descriptors); returns the limit now in force.
inline std::size_t raise_open_file_limit() {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
    return static_cast<std::size_t>(limit.rlim_cur);
}

/// How many descriptors process `pid` holds open.
inline std::size_t open_descriptors(int pid) {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
        ++count;
    }
    return count;
}

/// How many inotify descriptors process `pid` holds: 0 means nothing in it can be told of a
/// changed file.
inline std::size_t inotify_descriptors(int pid) {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
        std::error_code error;
        count += std::filesystem::read_symlink(entry.path(), error) == "anon_inode:inotify";
    }
    return count;
}

}  // namespace test_support
