#pragma once

#include "support/temp_dir.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace test_support {

/// What a plugin-host run that ends by itself (--help, --check-config, a refused start-up) did.
struct Finished {
    int exit_code = -1;
    std::string out;  ///< standard output
    std::string err;  ///< standard error
};

/// Runs the plugin-host executable with `args` to completion.
Finished run_host(const std::vector<std::string>& args);

/// Writes `text` to `dir`/server.ini; that path.
std::filesystem::path write_config(const TempDir& dir, const std::string& text);

}  // namespace test_support
