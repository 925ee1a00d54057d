#pragma once

#include "support/temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace test_support {

/// What `promtool check metrics` says of a Prometheus text page: nothing if it accepts it,
/// else its report. Nothing either when promtool is not installed: check promtool_installed()
/// first and skip, saying so.
inline std::optional<std::string> promtool_refusal(const std::string& page_text) {
    const TempDir folder;
    const std::filesystem::path page = folder / "metrics.txt";
    const std::filesystem::path report = folder / "promtool.txt";
    std::ofstream(page) << page_text;
    const std::string command = "/usr/bin/promtool check metrics < '" + page.string() + "' > '" + report.string() + "' 2>&1";
    const int status = std::system(command.c_str());
    if (status == 0) return std::nullopt;
    std::stringstream said;
    said << std::ifstream(report).rdbuf();
    return "exit status " + std::to_string(status) + ": " + said.str();
}

inline bool promtool_installed() { return std::filesystem::exists("/usr/bin/promtool"); }

}  // namespace test_support
