// The signals the host takes itself are the ones docs/operations.md lists, each with what
// it does.
#include "app/signal_watcher.hpp"

#include <gtest/gtest.h>

#include "test_paths.hpp"

#include <csignal>
#include <fstream>
#include <sstream>

namespace plugin_host {
namespace {

/// The "### Signals" part of docs/operations.md.
std::string signals_section() {
    std::ifstream page(test_paths::kOperationsPage);
    std::ostringstream text;
    text << page.rdbuf();
    const std::string all = text.str();
    const auto begin = all.find("### Signals");
    if (begin == std::string::npos) return {};
    return all.substr(begin, all.find("\n### ", begin + 1) - begin);
}

TEST(SignalWatcher, TheOperationsPageListsEverySignalTheHostTakesAndWhatItDoes) {
    const std::string section = signals_section();
    ASSERT_FALSE(section.empty()) << test_paths::kOperationsPage << " has no \"### Signals\"";
    for (const auto& [signal, meaning] : handled_signals()) {
        if (signal >= SIGRTMIN && signal <= SIGRTMAX) continue;
        const std::string name = signal_name(signal);
        const auto row = section.find("\n| " + name);
        const auto listed = row != std::string::npos ? row : section.find(", " + name);
        EXPECT_NE(listed, std::string::npos) << name << " is not in a row of the signal table";
    }
    EXPECT_NE(section.find("SIGRTMIN to SIGRTMAX"), std::string::npos);
    EXPECT_NE(section.find("| SIGPIPE | ignored"), std::string::npos);
}

TEST(SignalWatcher, NamesSignalsAsTheLogDoes) {
    EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
    EXPECT_EQ(signal_name(SIGUSR1), "SIGUSR1");
    EXPECT_EQ(signal_name(SIGRTMIN), "SIGRTMIN");
    EXPECT_EQ(signal_name(SIGRTMIN + 2), "SIGRTMIN+2");
}

}  // namespace
}  // namespace plugin_host
