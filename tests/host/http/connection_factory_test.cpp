#include "http/connection_factory.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace plugin_host {
namespace {

constexpr std::size_t kDeep = 64 * 1024;

/// Writes kDeep bytes below its caller's frame, and returns their address.
[[gnu::noinline]] std::uintptr_t touch_deep_stack() {
    volatile char block[kDeep];
    for (std::size_t i = 0; i < kDeep; i += 512) block[i] = 1;
    return reinterpret_cast<std::uintptr_t>(&block[0]);
}

/// How many of the pages in [from, from + length) are resident.
std::size_t resident_pages(std::uintptr_t from, std::size_t length) {
    const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    const std::uintptr_t start = (from + page - 1) & ~(page - 1);
    const std::size_t pages = (from + length - start) / page;
    std::vector<unsigned char> residency(pages);
    if (::mincore(reinterpret_cast<void*>(start), pages * page, residency.data()) != 0) return 0;
    std::size_t resident = 0;
    for (const unsigned char flags : residency) resident += flags & 1;
    return resident;
}

TEST(ReleaseUnusedStack, GivesBackThePagesBelowTheCallerThatAnEarlierCallTouched) {
    std::size_t before = 0;
    std::size_t after = 0;
    std::thread thread([&] {
        const std::uintptr_t deep = touch_deep_stack();
        before = resident_pages(deep, kDeep - 8192);
        release_unused_stack();
        after = resident_pages(deep, kDeep - 8192);
        touch_deep_stack();  // the released pages are usable again
    });
    thread.join();
    EXPECT_GT(before, 10u);
    EXPECT_EQ(after, 0u);
}

}  // namespace
}  // namespace plugin_host
