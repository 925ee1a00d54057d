#pragma once

#include <chrono>
#include <thread>

namespace test_support {

/// How much slower the code under test runs in this build. A sanitizer slows the server's
/// own code down (ThreadSanitizer the most), and the host under test is built the same
/// way, so every upper time bound of a test is stretched by this factor (scaled()).
#if defined(__SANITIZE_THREAD__)
inline constexpr int kSlowdown = 10;
#elif defined(__SANITIZE_ADDRESS__)
inline constexpr int kSlowdown = 3;
#else
inline constexpr int kSlowdown = 1;
#endif

/// An upper time bound for this build.
constexpr std::chrono::milliseconds scaled(std::chrono::milliseconds bound) { return bound * kSlowdown; }

/// How much more memory the process under test holds for the same work in this build: a
/// sanitizer keeps shadow memory for what the process touches, and AddressSanitizer holds
/// freed blocks back for a while. Upper memory bounds of a test are stretched by it.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr int kMemoryGrowth = 2;
#else
inline constexpr int kMemoryGrowth = 1;
#endif

/// Waits until `done()` holds, looking every few milliseconds, for at most `limit` (scaled);
/// returns its last answer. For waiting on a state of the code under test (a metric, a log
/// line, a count), never on the passing of time.
template <typename Condition>
bool eventually(Condition done, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + scaled(limit);
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return done();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace test_support
