#include "services/repository_service.hpp"

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/log_capture.hpp"

#include <array>
#include <thread>
#include <vector>

namespace plugin_host {
namespace {

using Clock = std::chrono::steady_clock;

const std::array<std::string, 2> kFirstNames{"first_first", "first_second"};

TEST(RepositoryService, LogsTheCallAndAnswersWithTheNames) {
    test_support::LogCapture log;
    RepositoryService repository(std::chrono::milliseconds(0), Poco::Logger::get("host.repository"));

    EXPECT_EQ(repository.call(kFirstNames, "first"), "first_first,first_second Executed");
    EXPECT_EQ(log.lines(),
              (std::vector<std::string>{
                  "host.repository: Executing first_first,first_second with data: first",
                  "host.repository: Executed first_first,first_second"}));
}

TEST(RepositoryService, WaitsTheConfiguredDelay) {
    RepositoryService repository(std::chrono::milliseconds(150), Poco::Logger::get("host.repository"));
    const auto started = Clock::now();
    repository.call(kFirstNames, "first");
    EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(150));
}

TEST(RepositoryService, ConcurrentCallsWaitInParallel) {
    RepositoryService repository(std::chrono::milliseconds(200), Poco::Logger::get("host.repository"));
    const auto started = Clock::now();
    std::vector<std::thread> callers;
    for (int i = 0; i < 20; ++i) {
        callers.emplace_back([&repository] { repository.call(kFirstNames, "first"); });
    }
    for (std::thread& caller : callers) caller.join();
    // 20 calls one after another would take 4 s.
    EXPECT_LT(Clock::now() - started, test_support::scaled(std::chrono::milliseconds(2000)));
}

TEST(RepositoryService, ControlCharactersInDataCannotForgeLogLines) {
    test_support::LogCapture log;
    RepositoryService repository(std::chrono::milliseconds(0), Poco::Logger::get("host.repository"));
    repository.call(kFirstNames, "a\nExecuted fake");
    EXPECT_TRUE(log.contains(
        "host.repository: Executing first_first,first_second with data: a\\nExecuted fake"));
}

}  // namespace
}  // namespace plugin_host
