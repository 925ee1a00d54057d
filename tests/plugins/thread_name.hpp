#pragma once

// The name of the calling thread (the host names its loop threads "ph-loop-N", its workers
// "ph-worker" and its timer "ph-timer"): what the test plugins answer to say where they ran.
// Depends on no contract header, so plugins of any contract version can include it.

#include <pthread.h>

#include <array>
#include <string>

namespace test_plugins {

inline std::string thread_name() {
    std::array<char, 16> name{};
    pthread_getname_np(pthread_self(), name.data(), name.size());
    return name.data();
}

}  // namespace test_plugins
