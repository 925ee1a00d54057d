#pragma once

#include <filesystem>

namespace test_support {

/// Publishes `source` at `target` the recommended way: copy beside it, then rename over it.
void publish_by_rename(const std::filesystem::path& source, const std::filesystem::path& target);

/// Overwrites `target` in place with `source`'s bytes, as `cp source target` does.
void publish_in_place(const std::filesystem::path& source, const std::filesystem::path& target);

/// How many distinct files under `folder` (or the file `folder` itself) this process maps.
std::size_t mapped_files_under(const std::filesystem::path& folder);

}  // namespace test_support
